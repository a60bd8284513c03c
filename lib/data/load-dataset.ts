/**
 * DATA for the CLI: a .npy file or a folder of .npy files (samples along the first dim when the array has the model
 * input's rank), a folder of PNG/JPEG images (class sub-folders give labels), or a JSON manifest listing files and
 * labels. Everything becomes float32 samples of one shape, plus labels when the data has them.
 */
import { existsSync, promises as fsp, statSync } from 'fs';
import * as path from 'path';
import { NpyArray, readNpy } from '../format/npy';
import { DataFormatError } from './data-errors';
import { ImageOptions, imageToSample } from './image-preprocess';
import { decodeImage, IMAGE_EXTENSIONS } from './image-decode';

export { DataFormatError };
export type { ImageOptions };

export interface Dataset {
  source: string;
  /** Dims of one sample (no batch dim). */
  dims: number[];
  samples: Float32Array[];
  /** Class index per sample, when the data has labels. */
  labels?: number[];
  /** Class names of image folders (index = label). */
  classNames?: string[];
}

export interface DatasetOptions {
  /** The model input's shape (batch first; symbolic dims as strings): tells what one sample is and the default image size. */
  inputShape?: readonly (number | string)[];
  /** A labels file (.npy of integers, .json array or .txt, one per line); overrides labels found in DATA. */
  labels?: string;
  image?: ImageOptions;
  /** Keep at most this many samples. */
  limit?: number;
}

const LABEL_FILE = /(^|[-_.])labels?\.(npy|json|txt)$/i;

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function toFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  return Float32Array.from(a.data as ArrayLike<number | bigint>, Number);
}

/** Splits an array into samples: along dim 0 when it has the model input's rank, else it is one sample. */
function samplesOfArray(a: NpyArray, file: string, inputShape: DatasetOptions['inputShape'], oneSample: boolean): { dims: number[]; samples: Float32Array[] } {
  const data = toFloat32(a);
  const batched = inputShape ? a.dims.length === inputShape.length : !oneSample && a.dims.length >= 2;
  if (!batched) return { dims: a.dims, samples: [data] };
  const dims = a.dims.slice(1);
  const per = product(dims);
  const samples: Float32Array[] = [];
  for (let i = 0; i < a.dims[0]; i++) samples.push(data.subarray(i * per, (i + 1) * per));
  if (samples.length === 0) throw new DataFormatError(`Expected at least one sample in ${file} but received an array of shape [${a.dims.join(', ')}]`);
  return { dims, samples };
}

async function readLabels(file: string): Promise<number[]> {
  const bytes = await fsp.readFile(file);
  let values: unknown[];
  if (file.endsWith('.npy')) values = Array.from(readNpy(bytes, file).data as ArrayLike<number | bigint>, Number);
  else if (file.endsWith('.json')) values = JSON.parse(bytes.toString('utf8'));
  else values = bytes.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '').map(Number);
  if (!Array.isArray(values) || !values.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
    throw new DataFormatError(`Expected non-negative integer labels in ${file}`);
  }
  return values as number[];
}

function defaultImageOptions(inputShape: DatasetOptions['inputShape'], image: ImageOptions | undefined, first: { width: number; height: number }): Required<Pick<ImageOptions, 'size' | 'channels'>> & ImageOptions {
  const o = { ...image };
  const nhwc = o.layout === 'nhwc';
  const shape = inputShape && inputShape.length === 4 ? inputShape : undefined;
  const c = shape ? shape[nhwc ? 3 : 1] : undefined;
  const h = shape ? shape[nhwc ? 1 : 2] : undefined;
  const w = shape ? shape[nhwc ? 2 : 3] : undefined;
  const size: [number, number] = o.size ?? (typeof h === 'number' && typeof w === 'number' ? [h, w] : [first.height, first.width]);
  const channels = o.channels ?? (c === 1 ? 'gray' : 'rgb');
  return { ...o, size, channels };
}

async function imageSamples(files: string[], options: DatasetOptions): Promise<{ dims: number[]; samples: Float32Array[] }> {
  const samples: Float32Array[] = [];
  let dims: number[] = [];
  let settings: ReturnType<typeof defaultImageOptions> | undefined;
  for (const f of files) {
    const img = await decodeImage(await fsp.readFile(f), f);
    settings ??= defaultImageOptions(options.inputShape, options.image, img);
    const s = imageToSample(img, settings);
    dims = s.dims;
    samples.push(s.data);
  }
  return { dims, samples };
}

/** `oneSample`: without a model shape to go by, each file is one sample (manifest entries) rather than a batch. */
async function npySamples(files: string[], options: DatasetOptions, oneSample = false): Promise<{ dims: number[]; samples: Float32Array[] }> {
  let dims: number[] | undefined;
  const samples: Float32Array[] = [];
  for (const f of files) {
    const part = samplesOfArray(readNpy(await fsp.readFile(f), f), f, options.inputShape, oneSample);
    if (dims && part.dims.join() !== dims.join()) {
      throw new DataFormatError(`Expected every sample to have shape [${dims.join(', ')}] but ${f} has samples of shape [${part.dims.join(', ')}]`);
    }
    dims = part.dims;
    samples.push(...part.samples);
  }
  return { dims: dims ?? [], samples };
}

/** Folder: .npy files (a labels file among them gives labels), or images, or class sub-folders of images. */
async function loadFolder(dir: string, options: DatasetOptions): Promise<Omit<Dataset, 'source'>> {
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const npy = files.filter((f) => f.endsWith('.npy') && !LABEL_FILE.test(f)).map((f) => path.join(dir, f));
  const labelFile = files.find((f) => LABEL_FILE.test(f));
  if (npy.length) {
    const out: Omit<Dataset, 'source'> = await npySamples(npy, options);
    if (labelFile) out.labels = await readLabels(path.join(dir, labelFile));
    return out;
  }
  const images = files.filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).map((f) => path.join(dir, f));
  if (images.length) return imageSamples(images, options);
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const classFiles: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, k) => {
    // Read synchronously: the listing is small and keeps class order stable.
    const inClass = require('fs').readdirSync(path.join(dir, cls)).sort() as string[];
    for (const f of inClass) {
      if (!IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())) continue;
      classFiles.push(path.join(dir, cls, f));
      labels.push(k);
    }
  });
  if (!classFiles.length) throw new DataFormatError(`Expected .npy files, images (${[...IMAGE_EXTENSIONS].join(' ')}) or class folders of images in ${dir} but found none`);
  return { ...(await imageSamples(classFiles, options)), labels, classNames: classes };
}

interface ManifestEntry {
  file: string;
  label?: number;
}

/** JSON manifest: `{ "samples": [{ "file": "a.png", "label": 3 }, ...], "classNames": [...], "image": { ...ImageOptions } }` or just the array. */
async function loadManifest(file: string, options: DatasetOptions): Promise<Omit<Dataset, 'source'>> {
  let manifest: { samples?: ManifestEntry[]; classNames?: string[]; image?: ImageOptions } | ManifestEntry[];
  try {
    manifest = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (err) {
    throw new DataFormatError(`Expected a JSON manifest in ${file} but could not parse it: ${(err as Error).message}`);
  }
  const entries = Array.isArray(manifest) ? manifest : manifest.samples;
  if (!Array.isArray(entries) || !entries.length || !entries.every((e) => e && typeof e.file === 'string')) {
    throw new DataFormatError(`Expected a manifest with a non-empty "samples" array of { "file", "label" } in ${file}`);
  }
  const base = path.dirname(file);
  const image = { ...(Array.isArray(manifest) ? {} : manifest.image), ...options.image };
  const opts = { ...options, image };
  const samples: Float32Array[] = [];
  let dims: number[] = [];
  for (const e of entries) {
    const f = path.resolve(base, e.file);
    const part = f.endsWith('.npy') ? await npySamples([f], opts, true) : await imageSamples([f], opts);
    if (samples.length && part.dims.join() !== dims.join()) throw new DataFormatError(`Expected every sample to have shape [${dims.join(', ')}] but ${f} has shape [${part.dims.join(', ')}]`);
    dims = part.dims;
    samples.push(...part.samples);
  }
  const out: Omit<Dataset, 'source'> = { dims, samples };
  const labels = entries.map((e) => e.label);
  if (labels.every((l) => Number.isInteger(l) && (l as number) >= 0)) out.labels = labels as number[];
  else if (labels.some((l) => l !== undefined)) throw new DataFormatError(`Expected every manifest sample in ${file} to have a non-negative integer "label", or none to have one`);
  if (!Array.isArray(manifest) && Array.isArray(manifest.classNames)) out.classNames = manifest.classNames;
  return out;
}

/** Checks the samples against the model input's known dims. */
function checkAgainstModel(d: Dataset, inputShape: DatasetOptions['inputShape']): void {
  if (!inputShape) return;
  const want = inputShape.slice(1);
  const fits = want.length === d.dims.length && want.every((w, i) => typeof w !== 'number' || w === d.dims[i]);
  if (!fits) {
    throw new DataFormatError(`Expected samples of shape [${want.join(', ')}] (the model input without its batch dim) for ${d.source} but received [${d.dims.join(', ')}]`);
  }
}

/**
 * Loads DATA (see the file comment).
 * @throws DataFormatError when the path is missing, unreadable, or its samples do not fit the model input.
 */
export async function loadDataset(dataPath: string, options: DatasetOptions = {}): Promise<Dataset> {
  if (!existsSync(dataPath)) throw new DataFormatError(`Expected DATA to be a .npy file, a folder or a .json manifest but ${dataPath} does not exist`);
  let d: Omit<Dataset, 'source'>;
  if (statSync(dataPath).isDirectory()) d = await loadFolder(dataPath, options);
  else if (dataPath.endsWith('.json')) d = await loadManifest(dataPath, options);
  else if (dataPath.endsWith('.npy')) d = await npySamples([dataPath], options);
  else if (IMAGE_EXTENSIONS.has(path.extname(dataPath).toLowerCase())) d = await imageSamples([dataPath], options);
  else throw new DataFormatError(`Expected DATA to be a .npy file, a folder or a .json manifest but received ${dataPath}`);
  const dataset: Dataset = { source: dataPath, ...d };
  if (options.labels) dataset.labels = await readLabels(options.labels);
  if (options.limit !== undefined && dataset.samples.length > options.limit) {
    dataset.samples = dataset.samples.slice(0, options.limit);
    if (dataset.labels) dataset.labels = dataset.labels.slice(0, options.limit);
  }
  if (dataset.labels && dataset.labels.length < dataset.samples.length) {
    throw new DataFormatError(`Expected a label for each of the ${dataset.samples.length} samples of ${dataPath} but received ${dataset.labels.length} labels`);
  }
  if (dataset.labels) dataset.labels = dataset.labels.slice(0, dataset.samples.length);
  checkAgainstModel(dataset, options.inputShape);
  return dataset;
}
