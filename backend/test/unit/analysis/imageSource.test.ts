import { describe, expect, it } from 'vitest';
import { inferEmptyLayers } from '../../../src/docker/imageSource.js';

describe('inferEmptyLayers (engine history without empty_layer flags)', () => {
  const h = (CreatedBy: string, Size: number) => ({ CreatedBy, Size, Created: 1_700_000_000 });

  it('trusts sizes when they add up to the layer count', () => {
    const out = inferEmptyLayers(
      [h('COPY x /x # buildkit', 8192), h('ENV A=1', 0), h('RUN /bin/sh -c true # buildkit', 4096)],
      2,
    );
    expect(out?.map((e) => !!e.empty_layer)).toEqual([false, true, false]);
    expect(out?.[0]?.created_by).toBe('COPY x /x # buildkit');
  });

  it('uses the instruction for size-0 entries (an empty RUN layer, a WORKDIR)', () => {
    const hist = [
      h('', 600_000_000),
      h('WORKDIR /src', 0),
      h('ENV A=1', 0),
      h('RUN /bin/sh -c mkdir /x # buildkit', 0),
    ];
    expect(inferEmptyLayers(hist, 3)?.map((e) => !!e.empty_layer)).toEqual([false, false, true, false]);
    expect(inferEmptyLayers(hist, 2)?.map((e) => !!e.empty_layer)).toEqual([false, true, true, false]);
    expect(
      inferEmptyLayers(
        [h('/bin/sh -c #(nop)  CMD ["sh"]', 0), h('/bin/sh -c #(nop) ADD file:x in / ', 10)],
        1,
      )?.map((e) => !!e.empty_layer),
    ).toEqual([true, false]);
  });

  it('gives up when nothing matches', () => {
    expect(inferEmptyLayers([h('RUN a', 10), h('RUN b', 10)], 3)).toBeUndefined();
  });
});
