import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/components/Notifier';
import { BuildCacheView } from '../../src/views/BuildCacheView';
import { ImageDetailView } from '../../src/views/ImageDetailView';
import {
  buildCacheAnswer,
  DECOY_ID,
  historyAnswer,
  imagesAnswer,
  SINGLE_ID,
  singleStageResult,
} from '../support/data';
import { renderWithStore } from '../support/render';

const enc = encodeURIComponent;
let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('Image detail', () => {
  const routes = {
    'GET /api/images': imagesAnswer,
    [`GET /api/images/${enc(SINGLE_ID)}/analysis`]: {
      analyzedAt: '2024-06-02T10:00:00Z',
      result: singleStageResult,
    },
    [`GET /api/images/${enc(SINGLE_ID)}/history`]: { layers: [] },
    [`GET /api/images/${enc(DECOY_ID)}/history`]: historyAnswer,
  };

  it('lists the layers, opens the one with the most Go cache and its modules, biggest first', async () => {
    renderWithStore(<ImageDetailView imageId={SINGLE_ID} />, { routes });
    const layers = await screen.findAllByTestId('layer');
    expect(layers).toHaveLength(4);
    expect(layers.map((l) => l.dataset.goCache)).toEqual(['false', 'false', 'true', 'true']);
    expect(within(layers[2]!).getAllByText('RUN go mod download').length).toBeGreaterThan(0);
    expect(within(layers[2]!).getAllByText('Go cache 61.0 MB').length).toBeGreaterThan(0);
    const detail = within(layers[2]!).getByTestId('layer-detail');
    expect(within(detail).getByText('/go/pkg/mod')).toBeTruthy();
    const modules = () =>
      within(detail)
        .getAllByTestId('module-row')
        .map((r) => within(r).getAllByRole('cell')[0]!.textContent);
    expect(modules()).toEqual(['example.com/Libb', 'example.com/liba', 'example.com/libc']);
    fireEvent.click(within(detail).getByRole('button', { name: 'Module' }));
    expect(modules()).toEqual(['example.com/liba', 'example.com/Libb', 'example.com/libc']);
    // Other layers are collapsed until clicked.
    expect(within(layers[3]!).queryByTestId('layer-detail')).toBeNull();
    fireEvent.click(within(layers[3]!).getByRole('button', { expanded: false }));
    expect(within(layers[3]!).getByText(/Compiled package objects/)).toBeTruthy();
  });

  it('explains findings in plain words and links them to their layer and to the doctor', async () => {
    const { store } = renderWithStore(<ImageDetailView imageId={SINGLE_ID} />, { routes });
    const findings = await screen.findAllByTestId('finding');
    expect(findings).toHaveLength(2);
    expect(within(findings[0]!).getByText('Go module cache ships in the image')).toBeTruthy();
    expect(within(findings[0]!).getByText('example.com/Libb@v1.0.0')).toBeTruthy();
    expect(within(screen.getByTestId('analysis-summary')).getByText('Polluted')).toBeTruthy();
    fireEvent.click(within(findings[0]!).getByText('Fix the Dockerfile with the doctor'));
    expect(store.getState().route.view).toBe('doctor');
  });

  it('shows the build history and progress while a first analysis runs', async () => {
    let polls = 0;
    const { store } = renderWithStore(<ImageDetailView imageId={DECOY_ID} />, {
      routes: {
        ...routes,
        'POST /api/analyses': { id: 'j9', status: 'queued', imageId: DECOY_ID },
        'GET /api/analyses/j9': () => {
          polls++;
          return polls < 3
            ? {
                id: 'j9',
                image: DECOY_ID,
                status: 'running',
                progress: { bytesRead: 2_500_000, bytesTotal: 5_000_000 },
              }
            : {
                id: 'j9',
                image: DECOY_ID,
                status: 'done',
                progress: {},
                result: { ...singleStageResult, findings: [], layers: singleStageResult.layers.slice(0, 2) },
              };
        },
      },
      pollMs: 50,
    });
    stop = () => store.getState().stopJobWatchers();
    expect(await screen.findByText('Not analysed yet')).toBeTruthy();
    expect(screen.getByText('COPY busybox /bin/busybox')).toBeTruthy();
    expect(screen.getByText('no layer')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Analyse this image' }));
    const progress = await screen.findByTestId('analysis-progress');
    await waitFor(() =>
      expect(within(progress).getByText('Reading layers: 2.50 MB of 5.00 MB (50%)')).toBeTruthy(),
    );
    expect(await screen.findByText('No Go cache problems found in this image.')).toBeTruthy();
    expect(screen.getAllByTestId('layer')).toHaveLength(2);
  });

  it('says when the image was removed meanwhile', async () => {
    renderWithStore(<ImageDetailView imageId={'sha256:' + 'f'.repeat(64)} />, { routes });
    expect(await screen.findByText(/This image no longer exists on the engine/)).toBeTruthy();
  });

  it('shows why an analysis failed, with a retry', async () => {
    const { store } = renderWithStore(<ImageDetailView imageId={DECOY_ID} />, {
      routes: {
        ...routes,
        'POST /api/analyses': { id: 'jf', status: 'queued' },
        'GET /api/analyses/jf': {
          id: 'jf',
          image: DECOY_ID,
          status: 'failed',
          progress: {},
          error: { code: 'bad-archive', message: 'layer 3 is truncated' },
        },
      },
    });
    stop = () => store.getState().stopJobWatchers();
    fireEvent.click(await screen.findByRole('button', { name: 'Analyse this image' }));
    expect(await screen.findByText('The analysis failed: layer 3 is truncated')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('Build cache', () => {
  it('groups records and prunes Go caches after showing the dry run', async () => {
    let listed = 0;
    const { calls } = renderWithStore(
      <>
        <BuildCacheView />
        <Notifier />
      </>,
      {
        routes: {
          'GET /api/build-cache': () =>
            listed++ === 0 ? buildCacheAnswer : { records: buildCacheAnswer.records.slice(2), totals: {} },
          'POST /api/build-cache/prune': (body) =>
            (body as { dryRun: boolean }).dryRun
              ? {
                  dryRun: true,
                  records: ['rec-mod', 'rec-build'],
                  bytes: 420_000_000,
                  selection: 's',
                  skipped: [],
                }
              : {
                  dryRun: false,
                  records: ['rec-mod', 'rec-build'],
                  bytes: 420_000_000,
                  selection: 's',
                  skipped: [],
                  reclaimedBytes: 419_000_000,
                },
        },
      },
    );
    const moduleGroup = await screen.findByTestId('group-Go module cache');
    expect(within(moduleGroup).getByText('/go/pkg/mod')).toBeTruthy();
    expect(within(moduleGroup).getByText('go mod download (id //go/pkg/mod)')).toBeTruthy();
    expect(
      within(screen.getByTestId('group-Go build cache')).getByText('/root/.cache/go-build'),
    ).toBeTruthy();
    expect(within(screen.getByTestId('group-Other')).getAllByTestId('cache-record')).toHaveLength(1);
    expect(within(screen.getByTestId('cache-module')).getByText('300 MB')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Prune Go caches' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('prune-summary').textContent).toBe(
      'This deletes 2 Go cache records and frees about 420 MB.',
    );
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Prune 420 MB' }));
    expect(await screen.findByText('Reclaimed 419 MB from 2 Go cache records')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() =>
      expect(
        within(screen.getByTestId('group-Go module cache')).getByText('No Go module cache mount.'),
      ).toBeTruthy(),
    );
  });

  it('has nothing to prune when no Go cache mount exists', async () => {
    renderWithStore(<BuildCacheView />, { routes: { 'GET /api/build-cache': { records: [], totals: {} } } });
    expect(await screen.findByText('The build cache is empty')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Prune Go caches' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it('shows engine errors with a retry', async () => {
    renderWithStore(<BuildCacheView />, {
      routes: {
        'GET /api/build-cache': () => {
          throw Object.assign(new Error('x'));
        },
      },
    });
    expect(await screen.findByText('The GoCache Lens backend does not answer')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
      await Promise.resolve();
    });
  });
});
