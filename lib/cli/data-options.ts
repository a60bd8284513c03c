/** The DATA options shared by eval, ab and compress (labels, limit, image preprocessing) and turning them into loadDataset options. */
import type { Engine } from '../engine';
import { Dataset, DatasetOptions, loadDataset } from '../data/load-dataset';
import type { OptionSpec, OptionValues } from './args';
import { UsageError } from './args';

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  labels: { type: 'string', placeholder: 'FILE', describe: 'labels (.npy of integers, .json array, .txt one per line); default: labels found in DATA' },
  limit: { type: 'number', integer: true, min: 1, describe: 'use at most N samples' },
  resize: { type: 'string', placeholder: 'HxW', describe: 'images: resize to H x W (bilinear; default: the model input size)' },
  mean: { type: 'string', placeholder: 'M[,M,M]', describe: 'images: subtract per channel after scaling (default 0)' },
  std: { type: 'string', placeholder: 'S[,S,S]', describe: 'images: divide per channel after the mean (default 1)' },
  scale: { type: 'number', describe: 'images: multiply 8-bit pixel values by this first (default 1/255)' },
  channels: { type: 'string', choices: ['gray', 'rgb', 'bgr'], describe: 'images: channel order (default from the model input: 1 channel -> gray, else rgb)' },
  layout: { type: 'string', choices: ['nchw', 'nhwc'], describe: 'images: tensor layout (default nchw)' },
};

function numberList(text: string, name: string): number[] {
  const values = text.split(',').map(Number);
  if (!values.length || !values.every(Number.isFinite)) throw new UsageError(`Expected comma-separated numbers for --${name} but received "${text}"`);
  return values;
}

export function datasetOptions(options: OptionValues, engine: Engine): DatasetOptions {
  const o: DatasetOptions = { inputShape: engine.inputs[0].shape };
  if (options.labels) o.labels = options.labels as string;
  if (options.limit) o.limit = options.limit as number;
  const image: NonNullable<DatasetOptions['image']> = {};
  if (options.resize) {
    const m = /^(\d+)x(\d+)$/.exec(options.resize as string);
    if (!m) throw new UsageError(`Expected --resize HxW (e.g. 224x224) but received "${options.resize}"`);
    image.size = [Number(m[1]), Number(m[2])];
  }
  if (options.mean) image.mean = numberList(options.mean as string, 'mean');
  if (options.std) image.std = numberList(options.std as string, 'std');
  if (options.scale !== undefined) image.scale = options.scale as number;
  if (options.channels) image.channels = options.channels as 'gray' | 'rgb' | 'bgr';
  if (options.layout) image.layout = options.layout as 'nchw' | 'nhwc';
  o.image = image;
  return o;
}

export function loadData(file: string, options: OptionValues, engine: Engine): Promise<Dataset> {
  return loadDataset(file, datasetOptions(options, engine));
}

export const DATA_NOTE =
  'DATA: a .npy file (samples along the first dim), a folder of .npy files (a labels.npy among them gives labels), a folder of PNG images (JPEG/WebP with the optional package sharp) or of class sub-folders, or a JSON manifest {"samples": [{"file": "a.png", "label": 3}]}. Images are resized, scaled by --scale, normalized by --mean/--std and laid out as --layout.';
