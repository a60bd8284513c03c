/** Image files to 8-bit pixels: sharp when it is installed (PNG, JPEG, WebP ...), sparq's own PNG decoder otherwise. */
import { UnsupportedError } from '../errors';
import { decodePng, DecodedImage, isPng } from './png-decode';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

interface SharpLike {
  (input: Uint8Array): { removeAlpha(): SharpLike['prototype']; raw(): { toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> } };
  prototype: { raw(): { toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> } };
}

let sharpModule: SharpLike | null | undefined;

/** sharp is optional: found at run time when the user installed it. */
function sharp(): SharpLike | null {
  if (sharpModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      sharpModule = require('sharp') as SharpLike;
    } catch {
      sharpModule = null;
    }
  }
  return sharpModule;
}

export async function decodeImage(bytes: Uint8Array, source: string): Promise<DecodedImage> {
  const s = sharp();
  if (s) {
    const { data, info } = await s(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels === 1 || info.channels === 3) return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data) };
  }
  if (isPng(bytes)) return decodePng(bytes, source);
  throw new UnsupportedError(`Expected a PNG image for ${source} (JPEG and WebP need the optional package sharp: npm install sharp) but received another format`);
}
