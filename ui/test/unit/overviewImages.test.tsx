import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { DesktopClient } from '../../src/api/client';
import { visibleRows } from '../../src/views/ImagesView';
import { ImagesView } from '../../src/views/ImagesView';
import { OverviewView } from '../../src/views/OverviewView';
import { buildCacheAnswer, CLEAN_ID, DECOY_ID, healthAnswer, imagesAnswer, SINGLE_ID } from '../support/data';
import { renderWithStore } from '../support/render';
import type { ImageSummary } from '../../src/api/types';

const routes = {
  'GET /api/health': healthAnswer,
  'GET /api/images': imagesAnswer,
  'GET /api/build-cache': buildCacheAnswer,
};

describe('Overview', () => {
  it('shows the engine, Go cache totals, reclaimable bytes and the worst images', async () => {
    const { store } = renderWithStore(<OverviewView />, { routes });
    expect(await screen.findByText('26.1.5')).toBeTruthy();
    expect(
      within(screen.getByTestId('stat-engine')).getByText(/containerd image store · API 1.45/),
    ).toBeTruthy();
    await waitFor(() =>
      expect(within(screen.getByTestId('stat-module-cache')).getByText('61.0 MB')).toBeTruthy(),
    );
    expect(
      within(screen.getByTestId('stat-module-cache')).getByText('1 of 2 analysed images polluted'),
    ).toBeTruthy();
    expect(within(screen.getByTestId('stat-build-cache')).getByText('45.0 MB')).toBeTruthy();
    await waitFor(() => expect(within(screen.getByTestId('stat-mounts')).getByText('420 MB')).toBeTruthy());
    expect(within(screen.getByTestId('stat-reclaimable')).getByText('526 MB')).toBeTruthy();
    const worst = screen.getAllByTestId('worst-image');
    expect(worst).toHaveLength(1);
    expect(within(worst[0]!).getByText('lens-fixture/single-stage:latest')).toBeTruthy();
    expect(within(worst[0]!).getByText('Polluted')).toBeTruthy();
    fireEvent.click(within(worst[0]!).getByText('lens-fixture/single-stage:latest'));
    expect(store.getState().route).toEqual({ view: 'image', imageId: SINGLE_ID });
  });

  it('shows the progress of "Analyse all"', async () => {
    const { calls, store } = renderWithStore(<OverviewView />, {
      routes: {
        ...routes,
        'POST /api/analyses/all': { jobs: [{ id: 'a', image: 'x', imageId: SINGLE_ID, status: 'queued' }] },
        'GET /api/analyses/a': {
          id: 'a',
          image: 'x',
          imageId: SINGLE_ID,
          status: 'running',
          progress: { bytesRead: 300_000_000, bytesTotal: 600_000_000 },
        },
      },
      pollMs: 10_000,
    });
    const button = await screen.findByRole('button', { name: 'Analyse all' });
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(button);
    const progress = await screen.findByTestId('batch-progress');
    expect(within(progress).getByText('Analysing images: 0 of 1 done')).toBeTruthy();
    await waitFor(() => expect(within(progress).getByText(/Reading layers: 300 MB of 600 MB/)).toBeTruthy());
    expect(calls.some((c) => c.path === '/api/analyses/all')).toBe(true);
    expect((screen.getByRole('button', { name: 'Analyse all' }) as HTMLButtonElement).disabled).toBe(true);
    act(() => store.getState().stopJobWatchers());
  });

  it('explains an engine that is down and offers no analysis', async () => {
    renderWithStore(<OverviewView />, {
      routes: {
        ...routes,
        'GET /api/health': { engine: { reachable: false, address: 'unix:///x', error: 'connect ENOENT /x' } },
        'GET /api/images': () => {
          throw Object.assign(new Error('x'), { name: 'ApiError' });
        },
      },
    });
    expect(await screen.findByText('The Docker engine is not reachable')).toBeTruthy();
    expect(screen.getByText('connect ENOENT /x')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Analyse all' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('has an empty state for an engine without images', async () => {
    renderWithStore(<OverviewView />, { routes: { ...routes, 'GET /api/images': { images: [] } } });
    expect(await screen.findByText('No images on this engine')).toBeTruthy();
  });
});

describe('Images table', () => {
  const images = imagesAnswer.images as ImageSummary[];

  it('sorts by Go cache (worst first) by default, and by any column', () => {
    const base = { filter: '', pollutedOnly: false };
    expect(
      visibleRows(images, { ...base, sort: { key: 'goCache', dir: 'desc' } }).map((r) => r.image.id),
    ).toEqual([SINGLE_ID, CLEAN_ID, DECOY_ID]);
    expect(visibleRows(images, { ...base, sort: { key: 'name', dir: 'asc' } }).map((r) => r.name)).toEqual([
      'lens-fixture/decoy',
      'lens-fixture/multistage-clean',
      'lens-fixture/single-stage',
    ]);
    expect(
      visibleRows(images, { ...base, sort: { key: 'size', dir: 'asc' } }).map((r) => r.image.id),
    ).toEqual([DECOY_ID, CLEAN_ID, SINGLE_ID]);
    expect(
      visibleRows(images, { ...base, filter: 'CLEAN:v1', sort: { key: 'name', dir: 'asc' } }),
    ).toHaveLength(1);
    expect(
      visibleRows(images, { ...base, pollutedOnly: true, sort: { key: 'name', dir: 'asc' } }).map(
        (r) => r.image.id,
      ),
    ).toEqual([SINGLE_ID]);
  });

  it('filters, sorts on header clicks and opens an image', async () => {
    const { store } = renderWithStore(<ImagesView />, { routes });
    await screen.findAllByTestId('image-row');
    const names = () =>
      screen.getAllByTestId('image-row').map((r) => within(r).getAllByRole('cell')[0]!.textContent);
    expect(names()[0]).toBe('lens-fixture/single-stage');
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual([
      'lens-fixture/decoy',
      'lens-fixture/multistage-clean+1',
      'lens-fixture/single-stage',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()[0]).toBe('lens-fixture/single-stage');
    fireEvent.change(screen.getByLabelText('Filter images'), { target: { value: 'decoy' } });
    expect(names()).toEqual(['lens-fixture/decoy']);
    expect(screen.getByText('1 of 3 images')).toBeTruthy();
    fireEvent.click(screen.getByText('lens-fixture/decoy'));
    expect(store.getState().route).toEqual({ view: 'image', imageId: DECOY_ID });
  });

  it('shows chips for polluted, clean and not analysed images', async () => {
    renderWithStore(<ImagesView />, { routes });
    await screen.findAllByTestId('image-row');
    expect(screen.getByText('Polluted')).toBeTruthy();
    expect(screen.getByText('Clean')).toBeTruthy();
    expect(screen.getByText('Not analysed')).toBeTruthy();
  });

  it('offers "View in Docker Desktop" inside Docker Desktop only', async () => {
    const viewImage = vi.fn(async () => undefined);
    const desktop = { desktopUI: { navigate: { viewImage }, toast: {} } } as unknown as DesktopClient;
    renderWithStore(<ImagesView />, { routes, desktop, kind: 'desktop' });
    await screen.findAllByTestId('image-row');
    fireEvent.click(screen.getAllByRole('button', { name: 'View in Docker Desktop' })[0]!);
    expect(viewImage).toHaveBeenCalledWith(SINGLE_ID, 'latest');
  });

  it('has no Docker Desktop action in the standalone page', async () => {
    renderWithStore(<ImagesView />, { routes });
    await screen.findAllByTestId('image-row');
    expect(screen.queryByRole('button', { name: 'View in Docker Desktop' })).toBeNull();
  });
});
