/** The error for DATA (samples, labels, images) that cannot be read. */
import { SparqError } from '../errors';

/** A data file or folder is missing, malformed or does not fit the model. */
export class DataFormatError extends SparqError {}
