/**
 * Rewrites the operator-form quantized ops (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, com.microsoft
 * QLinearAdd / QLinearMul / QLinearGlobalAveragePool / QLinearConcat) into their QDQ form, so one matcher
 * (qdq-import.ts) turns both into int8 ops and whatever it cannot match runs fp32 with the same meaning.
 */
import { UnsupportedError } from '../errors';
import { attrInt } from '../ir/attributes';
import type { Graph, Node, TensorValue } from '../ir/graph';
import { toNumbers } from '../ir/tensor-values';
import { FusionContext } from './fusion-context';

const MS = 'com.microsoft';

class OperatorFormExpander {
  readonly nodes: Node[] = [];

  constructor(private readonly ctx: FusionContext) {}

  private name(base: string): string {
    return this.ctx.freshName(base);
  }

  private node(base: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): string {
    this.nodes.push({ name: this.name(base), opType, domain: '', inputs, outputs, attrs });
    return outputs[0];
  }

  private init(base: string, value: TensorValue): string {
    const name = this.name(base);
    this.ctx.graph.initializers.set(name, value);
    return name;
  }

  dq(owner: Node, x: string, scale: string, zp: string, axis?: number): string {
    const out = this.name(`${x}/dequantized`);
    const attrs: Node['attrs'] = axis === undefined ? {} : { axis: { kind: 'int', value: axis } };
    return this.node(`${owner.name}/DequantizeLinear`, 'DequantizeLinear', zp ? [x, scale, zp] : [x, scale], [out], attrs);
  }

  q(owner: Node, x: string, scale: string, zp: string, out: string): void {
    this.node(`${owner.name}/QuantizeLinear`, 'QuantizeLinear', zp ? [x, scale, zp] : [x, scale], [out]);
  }

  /** A float32 constant of ones as the scale of an integer op's operand (one per zero point). */
  ones(owner: Node, zp: string): string {
    const n = zp ? this.ctx.constant(zp)?.data.length ?? 1 : 1;
    return this.init(`${owner.name}/unit_scale`, { type: 'float32', dims: n === 1 ? [] : [n], data: new Float32Array(n).fill(1) });
  }

  private constNumbers(owner: Node, name: string, what: string): number[] {
    const t = this.ctx.constant(name);
    if (!t) {
      throw new UnsupportedError(`Expected a constant ${what} for node '${owner.name}' (${owner.opType}) but received a computed value '${name}'`, owner.opType, owner.name, this.ctx.graph.opset);
    }
    return toNumbers(t);
  }

  /** Per-axis axis of a B operand's parameters: the last axis of a constant B, else 1. */
  private columnAxis(b: string, zpOrScale: string): number | undefined {
    const n = this.ctx.constant(zpOrScale)?.data.length ?? 1;
    if (n === 1) return undefined;
    const t = this.ctx.constant(b);
    return t ? t.dims.length - 1 : 1;
  }

  expand(node: Node): boolean {
    const i = (k: number) => node.inputs[k] ?? '';
    const out = node.outputs[0];
    const key = node.domain === MS ? `${MS}.${node.opType}` : node.domain === '' ? node.opType : '';
    switch (key) {
      case 'QLinearConv': {
        const x = this.dq(node, i(0), i(1), i(2));
        const perChannel = (this.ctx.constant(i(4))?.data.length ?? 1) > 1;
        const w = this.dq(node, i(3), i(4), i(5), perChannel ? 0 : undefined);
        const inputs = [x, w];
        if (i(8)) {
          const xs = this.constNumbers(node, i(1), 'x_scale')[0];
          const ws = this.constNumbers(node, i(4), 'w_scale');
          const scale = Float32Array.from(ws, (s) => xs * s);
          const bs = this.init(`${node.name}/bias_scale`, { type: 'float32', dims: ws.length === 1 ? [] : [ws.length], data: scale });
          inputs.push(this.dq(node, i(8), bs, '', ws.length === 1 ? undefined : 0));
        }
        const y = this.node(node.name, 'Conv', inputs, [this.name(`${out}/float`)], node.attrs);
        this.q(node, y, i(6), i(7), out);
        return true;
      }
      case 'QLinearMatMul': {
        const a = this.dq(node, i(0), i(1), i(2));
        const b = this.dq(node, i(3), i(4), i(5), this.columnAxis(i(3), i(4)));
        const y = this.node(node.name, 'MatMul', [a, b], [this.name(`${out}/float`)]);
        this.q(node, y, i(6), i(7), out);
        return true;
      }
      case 'ConvInteger':
      case 'MatMulInteger': {
        const conv = node.opType === 'ConvInteger';
        const a = this.dq(node, i(0), this.ones(node, i(2)), i(2));
        const bAxis = conv ? ((this.ctx.constant(i(3))?.data.length ?? 1) > 1 ? 0 : undefined) : this.columnAxis(i(1), i(3));
        const b = this.dq(node, i(1), this.ones(node, i(3)), i(3), bAxis);
        const y = this.node(node.name, conv ? 'Conv' : 'MatMul', [a, b], [this.name(`${out}/float`)], conv ? node.attrs : {});
        this.node(`${node.name}/Cast`, 'Cast', [y], [out], { to: { kind: 'int', value: 6 } });
        return true;
      }
      case `${MS}.QLinearAdd`: {
        const a = this.dq(node, i(0), i(1), i(2));
        const b = this.dq(node, i(3), i(4), i(5));
        const y = this.node(node.name, 'Add', [a, b], [this.name(`${out}/float`)]);
        this.q(node, y, i(6), i(7), out);
        return true;
      }
      case `${MS}.QLinearMul`: {
        const a = this.dq(node, i(0), i(1), i(2));
        const b = this.dq(node, i(3), i(4), i(5));
        const y = this.node(node.name, 'Mul', [a, b], [this.name(`${out}/float`)]);
        this.q(node, y, i(6), i(7), out);
        return true;
      }
      case `${MS}.QLinearGlobalAveragePool`: {
        if (attrInt(node, 'channels_last', 0) !== 0) {
          throw new UnsupportedError(`Expected channels_last=0 for node '${node.name}' (QLinearGlobalAveragePool) but received 1`, node.opType, node.name, this.ctx.graph.opset);
        }
        const x = this.dq(node, i(0), i(1), i(2));
        const y = this.node(node.name, 'GlobalAveragePool', [x], [this.name(`${out}/float`)]);
        this.q(node, y, i(3), i(4), out);
        return true;
      }
      case `${MS}.QLinearConcat`: {
        const inputs: string[] = [];
        for (let k = 2; k + 2 < node.inputs.length; k += 3) inputs.push(this.dq(node, i(k), i(k + 1), i(k + 2)));
        const y = this.node(node.name, 'Concat', inputs, [this.name(`${out}/float`)], node.attrs);
        this.q(node, y, i(0), i(1), out);
        return true;
      }
      default:
        return false;
    }
  }
}

/** Rewrites `g` in place. @throws UnsupportedError when a scale that must be known at load is computed. */
export function expandOperatorForms(g: Graph): void {
  const ctx = new FusionContext(g);
  const expander = new OperatorFormExpander(ctx);
  const kept: Node[] = [];
  for (const node of g.nodes) {
    const at = expander.nodes.length;
    if (!expander.expand(node)) kept.push(node);
    else kept.push(...expander.nodes.slice(at));
  }
  g.nodes = kept;
}
