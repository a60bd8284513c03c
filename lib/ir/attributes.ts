/** Typed access to node attributes; a missing or mistyped attribute is a model error naming attribute, node and op. */
import { ModelFormatError } from '../errors';
import type { AttrValue, Node, TensorValue } from './graph';

type Kind = AttrValue['kind'];

function get<K extends Kind>(node: Node, name: string, kind: K, hasFallback: boolean): Extract<AttrValue, { kind: K }> | undefined {
  const a = node.attrs[name];
  if (a === undefined) {
    if (hasFallback) return undefined;
    throw new ModelFormatError(`Expected attribute '${name}' for node '${node.name}' (${node.opType}) but it is missing`);
  }
  if (a.kind !== kind) {
    throw new ModelFormatError(
      `Expected attribute '${name}' of kind ${kind} for node '${node.name}' (${node.opType}) but received kind ${a.kind}`,
    );
  }
  return a as Extract<AttrValue, { kind: K }>;
}

/** @throws ModelFormatError when missing (and no fallback) or not an int. */
export function attrInt(node: Node, name: string, fallback?: number): number {
  const a = get(node, name, 'int', fallback !== undefined);
  return a ? a.value : (fallback as number);
}

/** Accepts an int-valued attribute too (some exporters write `alpha=1` as INT). */
export function attrFloat(node: Node, name: string, fallback?: number): number {
  const a = node.attrs[name];
  if (a?.kind === 'int') return a.value;
  const f = get(node, name, 'float', fallback !== undefined);
  return f ? f.value : (fallback as number);
}

export function attrInts(node: Node, name: string, fallback?: number[]): number[] {
  const a = get(node, name, 'ints', fallback !== undefined);
  return a ? a.value : (fallback as number[]);
}

export function attrFloats(node: Node, name: string, fallback?: number[]): number[] {
  const a = node.attrs[name];
  if (a?.kind === 'ints') return a.value;
  const f = get(node, name, 'floats', fallback !== undefined);
  return f ? f.value : (fallback as number[]);
}

export function attrString(node: Node, name: string, fallback?: string): string {
  const a = get(node, name, 'string', fallback !== undefined);
  return a ? a.value : (fallback as string);
}

export function attrStrings(node: Node, name: string, fallback?: string[]): string[] {
  const a = get(node, name, 'strings', fallback !== undefined);
  return a ? a.value : (fallback as string[]);
}

export function attrTensor(node: Node, name: string, fallback?: TensorValue): TensorValue {
  const a = get(node, name, 'tensor', fallback !== undefined);
  return a ? a.value : (fallback as TensorValue);
}

/** True when the node carries the attribute (of any kind). */
export function hasAttr(node: Node, name: string): boolean {
  return node.attrs[name] !== undefined;
}
