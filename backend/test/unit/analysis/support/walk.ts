import { TarParser } from '../../../../src/core/image/tarParser.js';
import type { LayerSummary } from '../../../../src/core/layers/layerSummary.js';
import { LayerWalker } from '../../../../src/core/layers/layerWalker.js';
import { tarOf, type TEntry } from './archives.js';

/** Walks a layer tar in memory, the way the archive reader does for each layer blob. */
export function walkTar(buf: Buffer): LayerSummary {
  const walker = new LayerWalker();
  const p = new TarParser(walker, { label: 'layer test' });
  void p.write(buf);
  p.end();
  return walker.finish();
}

export async function walkEntries(entries: TEntry[]): Promise<LayerSummary> {
  return walkTar(await tarOf(entries));
}
