/** What a shape rule sees of one node: input shapes, dtypes and constant values, plus errors that name the node. */
import { ModelFormatError, UnsupportedError } from '../../errors';
import type { DataType, Graph, Node, TensorValue } from '../../ir/graph';
import { toNumbers } from '../../ir/tensor-values';

/** A concrete type and shape of one value. */
export interface ShapedType {
  type: DataType;
  shape: number[];
}

/** A shape rule maps a node's inputs to its outputs' types and shapes (one entry per output, '' outputs included). */
export type ShapeRule = (ctx: InferContext) => ShapedType[];

export class InferContext {
  constructor(
    readonly node: Node,
    readonly opset: number,
    private readonly infos: (ShapedType | undefined)[],
    private readonly constants: (TensorValue | undefined)[],
  ) {}

  get inputCount(): number {
    return this.node.inputs.length;
  }

  /** True when input i is given (not omitted with ''). */
  has(i: number): boolean {
    return i < this.node.inputs.length && this.node.inputs[i] !== '';
  }

  shape(i: number): number[] {
    return this.info(i).shape;
  }

  type(i: number): DataType {
    return this.info(i).type;
  }

  rank(i: number): number {
    return this.info(i).shape.length;
  }

  private info(i: number): ShapedType {
    if (!this.has(i)) this.fail(`input ${i} is required but missing`);
    const v = this.infos[i];
    if (!v) this.fail(`the shape of input ${i} ('${this.node.inputs[i]}') is unknown`);
    return v;
  }

  /** The constant value of input i, or undefined when it is computed at run time. */
  constant(i: number): TensorValue | undefined {
    return this.has(i) ? this.constants[i] : undefined;
  }

  /** Input i as numbers; it must be a constant because the output shape depends on its values. */
  constantNumbers(i: number, what: string): number[] {
    const t = this.constant(i);
    if (!t) {
      throw new UnsupportedError(
        `Unsupported data-dependent shape: ${what} (input ${i} '${this.node.inputs[i]}') of ${this.node.opType} node '${this.node.name}' is not a constant`,
        this.node.opType,
        this.node.name,
        this.opset,
      );
    }
    return toNumbers(t);
  }

  /** Input i's values when given, else undefined. */
  optionalNumbers(i: number, what: string): number[] | undefined {
    return this.has(i) ? this.constantNumbers(i, what) : undefined;
  }

  /** A ModelFormatError naming the node and its op. */
  fail(message: string): never {
    throw new ModelFormatError(`${this.node.opType} node '${this.node.name}': ${message}`);
  }

  /** Normalizes an axis in [-rank, rank) to [0, rank). */
  axis(axis: number, rank: number, what = 'axis'): number {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      this.fail(`${what} ${axis} is out of range for rank ${rank}`);
    }
    return axis < 0 ? axis + rank : axis;
  }

  /**
   * A context for a node of a specialized graph (shapes from valueInfo, constants from initializers), so later
   * stages can reuse the rules' parameter helpers (sliceParams, padAmounts, splitSizes, reduceAxes, resizeScales).
   */
  static forGraph(g: Graph, node: Node): InferContext {
    const infos = node.inputs.map((name): ShapedType | undefined => {
      const t = g.initializers.get(name);
      if (t) return { type: t.type, shape: t.dims };
      const v = g.valueInfo.get(name);
      if (!v || v.shapeUnknown || !v.shape.every((d): d is number => typeof d === 'number')) return undefined;
      return { type: v.type, shape: v.shape as number[] };
    });
    const opset = node.domain === '' || node.domain === 'ai.onnx' ? g.opset : g.otherOpsets[node.domain] ?? 1;
    return new InferContext(node, opset, infos, node.inputs.map((name) => g.initializers.get(name)));
  }

  /** Number of outputs the node declares (trailing '' included). */
  get outputCount(): number {
    return this.node.outputs.length;
  }
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
