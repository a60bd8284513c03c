/** sparq's public entry: Engine, Tensor, their types and errors. Nothing else is public. */
export { Engine, PLAN_CACHE_SIZE } from './engine';
export type { Capabilities, EngineOptions, ExitResult, ExitRunOptions, OpProfile, RunOptions, ValueDescription } from './engine';
export { Tensor } from './tensor';
export type { TensorData, TensorDataTypes, TensorType } from './tensor';
export { DisposedError, ModelFormatError, NativeError, SparqError, UnsupportedError } from './errors';
export { native } from './native';
export type { CalibrationData, Feeds, ProgressCallback, ProgressEvent } from './calibration/calibration-data';
export type { CalibrationMethod, QuantizeOptions } from './quant/quantize-engine';
export type { LayerSensitivity, SensitivityOptions } from './quant/sensitivity';
export type { PruneOptions, PrunePattern } from './prune/prune-engine';
export type { DistillOptions, DistillResult } from './distill/distill-options';
export type { LayerSummary, ModelSummary } from './summary/model-summary';
export type { CompressOptions, CompressProgressEvent, Metric } from './compress/compress-options';
export type { CompressResult, CompressTrial } from './compress/compress-engine';
export type { CompressStrategy } from './compress/compress-strategies';
