/** PLACEHOLDER until the .sparq format lands (helper "product" replaces this file): engine.save. */
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';

export function saveSparq(engine: Engine, filePath: string): Promise<void> {
  void engine;
  void filePath;
  return Promise.reject(new UnsupportedError('engine.save is not available in this build yet'));
}
