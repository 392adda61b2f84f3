import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError, type Transport } from '../../src/api/client';
import { App } from '../../src/App';
import { Notifier } from '../../src/components/Notifier';
import { BuildDetailView } from '../../src/views/BuildDetailView';
import { BuildsView } from '../../src/views/BuildsView';
import { ImageDetailView } from '../../src/views/ImageDetailView';
import {
  buildsAnswer,
  failedBuild,
  failedDetail,
  mismatchBuild,
  mismatchDetail,
  okBuild,
  okDetail,
  runningBuild,
} from '../support/buildData';
import { buildCacheAnswer, healthAnswer, imagesAnswer, SINGLE_ID, singleStageResult } from '../support/data';
import { renderWithStore } from '../support/render';

const enc = encodeURIComponent;

const detailRoutes = {
  'GET /api/images': imagesAnswer,
  [`GET /api/builds/${okBuild.ref}`]: okDetail,
  [`GET /api/builds/${failedBuild.ref}`]: failedDetail,
  [`GET /api/builds/${mismatchBuild.ref}`]: mismatchDetail,
};

function rowOf(ref: string): HTMLElement {
  return screen.getAllByTestId('build-row').find((r) => r.dataset.ref === ref)!;
}

describe('Builds view', () => {
  it('lists builds with status, duration, cache hits and Go findings, and opens one', async () => {
    const { store } = renderWithStore(<BuildsView />, {
      routes: { 'GET /api/builds': buildsAnswer, ...detailRoutes },
    });
    expect(screen.getByText('Reading the build history…')).toBeTruthy();
    const rows = await screen.findAllByTestId('build-row');
    expect(rows.map((r) => r.dataset.ref)).toEqual([okBuild.ref, failedBuild.ref, mismatchBuild.ref]);
    const ok = rowOf(okBuild.ref);
    expect(within(ok).getByText('Completed')).toBeTruthy();
    expect(within(ok).getByText('lens-fixture/single-stage:latest')).toBeTruthy();
    expect(within(ok).getByText('1.7 s')).toBeTruthy();
    expect(within(ok).getByTestId('cache-hits').textContent).toBe('25%');
    // The findings count comes from the build's doctor report, fetched in the background.
    await waitFor(() => expect(within(ok).getByTestId('go-findings').textContent).toBe('3'));
    await waitFor(() =>
      expect(within(rowOf(failedBuild.ref)).getByTestId('go-findings').textContent).toBe('0'),
    );
    const failed = rowOf(failedBuild.ref);
    expect(within(failed).getByText('Failed')).toBeTruthy();
    expect(within(failed).getByText(/exit code: 3/)).toBeTruthy();
    expect(screen.getByText('3 of 3 builds')).toBeTruthy();

    fireEvent.click(screen.getByRole('checkbox', { name: 'Failed only' }));
    expect(screen.getAllByTestId('build-row')).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('Filter builds'), { target: { value: 'nothing-like-this' } });
    expect(screen.getByText('No build matches the filter.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Filter builds'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Failed only' }));

    fireEvent.click(rowOf(okBuild.ref));
    expect(store.getState().route).toEqual({ view: 'build', buildRef: okBuild.ref });
  });

  it('adds and updates builds as the live feed reports them', async () => {
    let push: ((data: unknown, event?: string) => void) | undefined;
    const events: Transport['events'] = (_p, h) => {
      push = h.onMessage;
      return { close: () => undefined };
    };
    renderWithStore(<BuildsView />, {
      routes: { 'GET /api/builds': buildsAnswer, ...detailRoutes },
      events,
    });
    await screen.findAllByTestId('build-row');
    expect(screen.getByTestId('builds-feed').textContent).toBe('Connecting…');
    act(() => push!({ state: 'live' }, 'state'));
    expect(screen.getByTestId('builds-feed').textContent).toBe('Live');
    act(() => push!({ type: 'started', ref: runningBuild.ref, build: runningBuild }, 'build'));
    const running = rowOf(runningBuild.ref);
    expect(within(running).getByText('Running')).toBeTruthy();
    expect(within(running).getByText('4/10 steps')).toBeTruthy();
    act(() =>
      push!(
        {
          type: 'completed',
          ref: runningBuild.ref,
          build: {
            ...runningBuild,
            status: 'failed',
            completedAt: '2024-06-03T11:00:05.000Z',
            durationMs: 5000,
          },
        },
        'build',
      ),
    );
    expect(within(rowOf(runningBuild.ref)).getByText('Failed')).toBeTruthy();
    expect(within(rowOf(runningBuild.ref)).getByText('5.0 s')).toBeTruthy();
  });

  it('says when there is no build yet', async () => {
    renderWithStore(<BuildsView />, { routes: { 'GET /api/builds': { builds: [] } } });
    expect(await screen.findByText('No builds yet')).toBeTruthy();
  });

  it('shows why the history cannot be read, with a retry', async () => {
    let fail = true;
    renderWithStore(<BuildsView />, {
      routes: {
        'GET /api/builds': () => {
          if (fail) throw new ApiError('engine-unavailable', 'cannot reach the engine', 503);
          return buildsAnswer;
        },
        ...detailRoutes,
      },
    });
    expect(await screen.findByText('Could not read the build history')).toBeTruthy();
    expect(screen.getByText('cannot reach the engine')).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findAllByTestId('build-row')).toHaveLength(3);
  });
});

describe('Build page', () => {
  it('shows a finished build: facts, the Dockerfile with its findings on their lines, and the fix', async () => {
    const { store } = renderWithStore(<BuildDetailView buildRef={okBuild.ref} />, { routes: detailRoutes });
    expect(screen.getByText('Reading the build record…')).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'lens-fixture/single-stage:latest' })).toBeTruthy();
    expect(within(screen.getByTestId('build-status')).getByText('Completed')).toBeTruthy();
    expect(within(screen.getByTestId('build-duration')).getByText('1.7 s')).toBeTruthy();
    expect(within(screen.getByTestId('build-steps')).getByText('3 of 12')).toBeTruthy();
    const image = screen.getByTestId('build-image');
    await waitFor(() => expect(within(image).getByText('Polluted')).toBeTruthy());

    const source = screen.getByTestId('dockerfile-source');
    const mark = (n: number) => source.querySelector<HTMLElement>(`[data-line="${n}"]`)!.dataset.mark;
    expect([1, 2, 3, 4, 5, 6, 7].map(mark)).toEqual([
      'warning',
      undefined,
      undefined,
      'warning',
      'warning',
      'error',
      undefined,
    ]);
    const cards = screen.getAllByTestId('doctor-finding');
    expect(cards).toHaveLength(3);
    fireEvent.click(within(cards[1]!).getByRole('button'));
    expect(source.querySelector('[data-line="4"]')!.getAttribute('data-selected')).toBe('true');
    expect(source.querySelector('[data-line="6"]')!.getAttribute('data-selected')).toBeNull();

    const fix = screen.getByTestId('fix-preview');
    const added = [...fix.querySelectorAll('[data-diff="added"]')].map((e) => e.textContent).join('\n');
    expect(added).toContain('--mount=type=cache,target=/root/.cache/go-build');
    expect(fix.querySelectorAll('[data-diff="removed"]').length).toBeGreaterThan(0);

    fireEvent.click(screen.getByRole('button', { name: 'Open in the doctor' }));
    expect(store.getState().doctor.content).toBe(okDetail.dockerfile!.text);
    expect(store.getState().route.view).toBe('doctor');
  });

  it('links the build to the image it produced', async () => {
    const { store } = renderWithStore(<BuildDetailView buildRef={okBuild.ref} />, { routes: detailRoutes });
    fireEvent.click(await screen.findByTestId('build-image-link'));
    expect(store.getState().route).toEqual({ view: 'image', imageId: SINGLE_ID });
  });

  it('shows a failed build: the error, its output and the failing lines', async () => {
    renderWithStore(<BuildDetailView buildRef={failedBuild.ref} />, { routes: detailRoutes });
    const error = await screen.findByTestId('build-error');
    expect(within(error).getByText('The build failed at Dockerfile lines 3–4')).toBeTruthy();
    expect(within(error).getByText(/exit code: 3/)).toBeTruthy();
    expect(within(error).getByLabelText('Output of the failing step').textContent).toBe('broke\n');
    const source = screen.getByTestId('dockerfile-source');
    const failing = [...source.querySelectorAll<HTMLElement>('[data-failing]')].map((e) => e.dataset.line);
    expect(failing).toEqual(['3', '4']);
    expect(within(source).getByTestId('failed-here')).toBeTruthy();
    expect(screen.getByTestId('no-findings')).toBeTruthy();
    expect(
      within(screen.getByTestId('build-image')).getByText(/failed before exporting an image/),
    ).toBeTruthy();
    // Nothing to fix: the doctor says so instead of an empty diff.
    expect(within(screen.getByTestId('fix-preview')).getByText(/Nothing to change/)).toBeTruthy();
  });

  it('offers the scoped prune of the cache mount behind a checksum mismatch: dry run, confirm, toast', async () => {
    let detailReads = 0;
    const { calls } = renderWithStore(
      <>
        <BuildDetailView buildRef={mismatchBuild.ref} />
        <Notifier />
      </>,
      {
        routes: {
          ...detailRoutes,
          [`GET /api/builds/${mismatchBuild.ref}`]: () => {
            detailReads++;
            return detailReads === 1
              ? mismatchDetail
              : {
                  ...mismatchDetail,
                  goChecksumMismatch: {
                    ...mismatchDetail.goChecksumMismatch,
                    cacheMountHint: { mounts: [{ target: '/go/pkg/mod', id: 'gomod' }], recordIds: [] },
                  },
                };
          },
          'GET /api/build-cache': buildCacheAnswer,
          'POST /api/build-cache/prune': (body: unknown) =>
            (body as { dryRun: boolean }).dryRun
              ? { dryRun: true, records: ['rec-mod'], bytes: 300_000_000, selection: 'sel-9', skipped: [] }
              : {
                  dryRun: false,
                  records: ['rec-mod'],
                  bytes: 300_000_000,
                  selection: 'sel-9',
                  skipped: [],
                  reclaimedBytes: 300_000_000,
                },
        },
      },
    );
    const panel = await screen.findByTestId('checksum-mismatch');
    expect(within(panel).getByText('example.com/liba@v1.1.0')).toBeTruthy();
    expect(within(panel).getByRole('list', { name: 'Cache mounts of the failing step' }).textContent).toBe(
      '/go/pkg/mod (cache id gomod)',
    );
    fireEvent.click(within(panel).getByRole('button', { name: 'Prune this cache mount' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Prune these cache records?')).toBeTruthy();
    expect(within(dialog).getByTestId('prune-summary').textContent).toBe(
      'This deletes 1 Go cache record and frees about 300 MB.',
    );
    await waitFor(() =>
      expect(within(dialog).getByRole('list', { name: 'Records to prune' }).textContent).toContain(
        '/go/pkg/mod',
      ),
    );
    const posts = () => calls.filter((c) => c.method === 'POST');
    expect(posts().map((c) => c.body)).toEqual([{ scope: 'ids', ids: ['rec-mod'], dryRun: true }]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Prune 300 MB' }));
    expect(await screen.findByText('Reclaimed 300 MB from 1 Go cache record')).toBeTruthy();
    expect(posts()[1]?.body).toEqual({
      scope: 'ids',
      ids: ['rec-mod'],
      dryRun: false,
      confirm: true,
      selection: 'sel-9',
    });
    // The build is read again: its records are gone now.
    expect(await within(panel).findByText(/gone already/)).toBeTruthy();
    expect(detailReads).toBe(2);
  });

  it('explains a checksum mismatch from a layer, where no cache mount is to blame', async () => {
    renderWithStore(<BuildDetailView buildRef={mismatchBuild.ref} />, {
      routes: {
        [`GET /api/builds/${mismatchBuild.ref}`]: {
          ...mismatchDetail,
          goChecksumMismatch: { module: 'example.com/liba@v1.1.0', cacheMountHint: null },
        },
      },
    });
    const panel = await screen.findByTestId('checksum-mismatch');
    expect(within(panel).getByText(/mounts no Go module cache/)).toBeTruthy();
    expect(within(panel).queryByRole('button')).toBeNull();
  });

  it('follows a running build until it finishes, and says when its Dockerfile is not available', async () => {
    let lists = 0;
    let reads = 0;
    const done = {
      ...runningBuild,
      status: 'completed',
      completedAt: '2024-06-03T11:00:09.000Z',
      durationMs: 9000,
    };
    renderWithStore(<BuildDetailView buildRef={runningBuild.ref} />, {
      buildsPollMs: 30,
      routes: {
        // Docker Desktop has no event stream: the list is polled while the build runs.
        'GET /api/builds': () => ({ builds: [++lists > 1 ? done : runningBuild] }),
        [`GET /api/builds/${runningBuild.ref}`]: () => ({
          ...(++reads > 1 ? done : runningBuild),
          dockerfile: null,
          sourceUnavailable:
            reads > 1 ? 'the record carries no Dockerfile source' : 'the build is still running',
          error: null,
          goChecksumMismatch: null,
          doctor: null,
          doctorError: null,
        }),
      },
    });
    expect(await screen.findByText('Building: 4 of 10 steps done')).toBeTruthy();
    expect(screen.getByText(/not available: the build is still running/)).toBeTruthy();
    expect(screen.queryByTestId('fix-preview')).toBeNull();
    await waitFor(() =>
      expect(within(screen.getByTestId('build-status')).getByText('Completed')).toBeTruthy(),
    );
    expect(within(screen.getByTestId('build-duration')).getByText('9.0 s')).toBeTruthy();
    expect(screen.queryByText(/Building:/)).toBeNull();
    // Finished: the list is not polled any more.
    const after = lists;
    await new Promise((r) => setTimeout(r, 120));
    expect(lists).toBeLessThanOrEqual(after + 1);
  });

  it('says when the build record does not exist', async () => {
    renderWithStore(<BuildDetailView buildRef="gone" />, {
      routes: {
        'GET /api/builds/gone': () => {
          throw new ApiError('not-found', 'no build gone', 404);
        },
      },
    });
    expect(await screen.findByText('No such build')).toBeTruthy();
  });
});

describe('Image page: built by', () => {
  const routes = {
    'GET /api/images': imagesAnswer,
    [`GET /api/images/${enc(SINGLE_ID)}/analysis`]: {
      analyzedAt: '2024-06-02T10:00:00Z',
      result: singleStageResult,
    },
    [`GET /api/images/${enc(SINGLE_ID)}/history`]: { layers: [] },
  };

  it('shows the build and its Dockerfile findings, each one click from the layer it explains', async () => {
    const { store } = renderWithStore(<ImageDetailView imageId={SINGLE_ID} />, {
      routes: { ...routes, [`GET /api/images/${enc(SINGLE_ID)}/build`]: okDetail },
    });
    const builtBy = await screen.findByTestId('built-by');
    const findings = await within(builtBy).findAllByTestId('built-by-finding');
    expect(findings.map((f) => f.dataset.rule)).toEqual([
      'floating-base-tag',
      'no-module-cache-mount',
      'no-build-cache-mount',
    ]);
    expect(within(findings[0]!).queryByRole('button', { name: /Show layer/ })).toBeNull();
    expect(within(findings[1]!).getByRole('button', { name: 'Show layer #2' })).toBeTruthy();
    const layers = screen.getAllByTestId('layer');
    expect(within(layers[3]!).queryByTestId('layer-detail')).toBeNull();
    fireEvent.click(within(findings[2]!).getByRole('button', { name: 'Show layer #3' }));
    expect(within(layers[3]!).getByTestId('layer-detail')).toBeTruthy();

    fireEvent.click(within(builtBy).getByTestId('built-by-link'));
    expect(store.getState().route).toEqual({ view: 'build', buildRef: okBuild.ref });
  });

  it('says when no build record matches the image', async () => {
    renderWithStore(<ImageDetailView imageId={SINGLE_ID} />, {
      routes: {
        ...routes,
        [`GET /api/images/${enc(SINGLE_ID)}/build`]: () => {
          throw new ApiError('not-found', 'no build record', 404);
        },
      },
    });
    expect(await screen.findByText(/No BuildKit build record matches this image/)).toBeTruthy();
  });
});

describe('App shell', () => {
  it('has a Builds tab, and a build page reached by its address', async () => {
    const { store } = renderWithStore(<App />, {
      routes: {
        'GET /api/health': healthAnswer,
        'GET /api/build-cache': buildCacheAnswer,
        'GET /api/builds': buildsAnswer,
        ...detailRoutes,
      },
    });
    fireEvent.click(await screen.findByRole('tab', { name: 'Builds' }));
    expect(await screen.findByRole('heading', { name: 'Builds' })).toBeTruthy();
    expect(window.location.hash).toBe('#/builds');
    act(() => {
      window.location.hash = `#/builds/${okBuild.ref}`;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await waitFor(() => expect(store.getState().route).toEqual({ view: 'build', buildRef: okBuild.ref }));
    expect(await screen.findByRole('heading', { name: 'lens-fixture/single-stage:latest' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Builds', selected: true })).toBeTruthy();
    // The tab of the page's own list leads back to that list.
    fireEvent.click(screen.getByRole('tab', { name: 'Builds' }));
    expect(store.getState().route).toEqual({ view: 'builds' });
  });
});
