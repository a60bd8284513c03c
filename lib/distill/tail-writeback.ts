/** Writes the fine-tuned tail parameters into a copy of the student's source graph (new initializers; shared ones stay intact). */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { uniqueName } from '../ir/graph-utils';
import { dropUnreadInitializers } from '../passes/constant-folding';
import { BatchNormTailOp } from './tail-batchnorm';
import { ConvTailOp } from './tail-conv';
import type { TailModel } from './tail-graph';
import { LinearTailOp } from './tail-linear';

function setInput(graph: Graph, node: Node, index: number, suffix: string, dims: number[], values: ArrayLike<number>): void {
  const name = uniqueName(graph, `${node.name}.distilled.${suffix}`);
  const tensor: TensorValue = { type: 'float32', dims, data: Float32Array.from(values) };
  graph.initializers.set(name, tensor);
  while (node.inputs.length < index) node.inputs.push('');
  node.inputs[index] = name;
}

/** `graph` (the source graph the tail was built from, or a copy of it) gets the tail's current parameters. */
export function writeTail(graph: Graph, tail: TailModel): Graph {
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  for (const op of tail.ops) {
    if (op.params.length === 0) continue;
    const node = nodes.get(op.node.name)!;
    if (op instanceof LinearTailOp) {
      setInput(graph, node, 1, 'weight', op.weightDims, op.weight.value);
      if (op.bias) {
        setInput(graph, node, 2, 'bias', [op.bias.value.length], op.bias.value);
        node.attrs.beta = { kind: 'float', value: 1 };
      }
    } else if (op instanceof ConvTailOp) {
      const { weightDims, weight, bias } = op.folded();
      setInput(graph, node, 1, 'weight', weightDims, weight);
      setInput(graph, node, 2, 'bias', [bias.length], bias);
    } else if (op instanceof BatchNormTailOp) {
      setInput(graph, node, 1, 'scale', [op.gamma.value.length], op.gamma.value);
      setInput(graph, node, 2, 'bias', [op.beta.value.length], op.beta.value);
    }
  }
  dropUnreadInitializers(graph);
  return graph;
}
