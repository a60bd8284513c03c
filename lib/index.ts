/** sparq's public entry: Engine, Tensor, their types and errors. Nothing else is public. */
export { native } from './native';
