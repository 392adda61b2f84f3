import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/App';
import type { DesktopClient } from '../../src/api/client';
import { sideBySide } from '../../src/lib/lineDiff';
import { hasDockerThemes } from '../../src/theme/LensThemeProvider';
import { CompareView } from '../../src/views/CompareView';
import { DoctorView } from '../../src/views/DoctorView';
import {
  buildCacheAnswer,
  CLEAN_ID,
  healthAnswer,
  imagesAnswer,
  lintAnswer,
  SINGLE_ID,
} from '../support/data';
import { renderWithStore } from '../support/render';

const DOCKERFILE = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n';
const FIXED =
  'FROM golang:1.22.5 AS build\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nRUN go build -o /app .\n\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n';

afterEach(() => {
  vi.useRealTimers();
  window.location.hash = '';
});

describe('side-by-side diff', () => {
  it('pairs removed and added lines and keeps the rest aligned', () => {
    const rows = sideBySide('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'changed', 'same', 'added']);
    expect(rows[1]).toMatchObject({ left: { no: 2, text: 'b' }, right: { no: 2, text: 'B' } });
    expect(rows[3]).toMatchObject({ left: undefined, right: { no: 4, text: 'd' } });
    expect(sideBySide('x\r\ny', 'x\ny').every((r) => r.kind === 'same')).toBe(true);
    expect(sideBySide('', 'a').map((r) => r.kind)).toEqual(['changed']);
  });
});

describe('Dockerfile doctor', () => {
  const routes = {
    'POST /api/dockerfile/lint': lintAnswer,
    'POST /api/dockerfile/fix': {
      fixed: FIXED,
      diff: '--- a/Dockerfile\n+++ b/Dockerfile\n',
      findings: lintAnswer.findings,
    },
  };

  it('checks as you type, highlights the lines, fixes and shows the diff', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { calls } = renderWithStore(<DoctorView />, { routes });
    fireEvent.change(screen.getByLabelText('Dockerfile'), { target: { value: DOCKERFILE } });
    const cards = await screen.findAllByTestId('doctor-finding', {}, { timeout: 3000 });
    expect(calls.filter((c) => c.path === '/api/dockerfile/lint')).toHaveLength(1);
    expect(within(cards[0]!).getByText('floating-base-tag')).toBeTruthy();
    expect(within(cards[1]!).getByText('Lines 4–5')).toBeTruthy();
    const marks = [...screen.getByTestId('dockerfile-editor').querySelectorAll('[data-mark]')].map((el) => [
      [...el.parentElement!.children].indexOf(el) + 1,
      el.getAttribute('data-mark'),
    ]);
    expect(marks).toEqual([
      [1, 'warning'],
      [4, 'error'],
      [5, 'error'],
    ]);

    // Selecting a finding selects its lines in the editor and shows its whole explanation.
    fireEvent.click(within(cards[1]!).getByRole('button'));
    const area = screen.getByLabelText('Dockerfile') as HTMLTextAreaElement;
    expect(area.value.slice(area.selectionStart, area.selectionEnd)).toBe(
      'RUN go mod download\nRUN go build -o /app .',
    );
    expect(within(cards[1]!).getByRole('button').getAttribute('aria-pressed')).toBe('true');

    fireEvent.click(screen.getByRole('button', { name: 'Fix Dockerfile' }));
    const result = await screen.findByTestId('fix-result');
    const diff = within(result).getByTestId('diff');
    expect([...diff.querySelectorAll('[data-diff="removed"]')].map((e) => e.textContent)).toEqual([
      '- FROM golang:1.22',
      '- RUN go mod download',
    ]);
    expect(within(diff).getByText('+ FROM gcr.io/distroless/static-debian12:nonroot')).toBeTruthy();
    fireEvent.click(within(result).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(FIXED));
    expect(await within(result).findByRole('button', { name: 'Copied' })).toBeTruthy();
  });

  it('opens a Dockerfile from a file', async () => {
    renderWithStore(<DoctorView />, { routes });
    const file = new File([DOCKERFILE], 'Dockerfile.prod', { type: 'text/plain' });
    fireEvent.change(screen.getByTestId('file-input'), { target: { files: [file] } });
    await waitFor(() =>
      expect((screen.getByLabelText('Dockerfile') as HTMLTextAreaElement).value).toBe(DOCKERFILE),
    );
    expect(screen.getByText('Dockerfile.prod')).toBeTruthy();
  });

  it('takes a dropped file', async () => {
    renderWithStore(<DoctorView />, { routes });
    const file = new File(['FROM scratch\n'], 'Dockerfile', { type: 'text/plain' });
    fireEvent.drop(screen.getByTestId('dockerfile-editor'), { dataTransfer: { files: [file] } });
    await waitFor(() =>
      expect((screen.getByLabelText('Dockerfile') as HTMLTextAreaElement).value).toBe('FROM scratch\n'),
    );
  });

  it('says when a Dockerfile has no problem', async () => {
    renderWithStore(<DoctorView />, { routes: { 'POST /api/dockerfile/lint': { findings: [] } } });
    fireEvent.click(screen.getByRole('button', { name: 'Load an example' }));
    expect(await screen.findByTestId('no-findings', {}, { timeout: 3000 })).toBeTruthy();
  });
});

describe('Compare', () => {
  it('draws stacked bars by category and the trend of one image', async () => {
    const { store } = renderWithStore(<CompareView />, {
      routes: {
        'GET /api/images': imagesAnswer,
        'GET /api/compare': {
          images: [
            {
              image: SINGLE_ID,
              imageId: SINGLE_ID,
              ref: 'lens-fixture/single-stage:latest',
              totalBytes: 812,
              categories: {
                sharedBaseLayers: 700,
                goModuleCache: 61,
                goBuildCache: 45,
                wastedByLaterDeletes: 0,
                rest: 6,
              },
            },
            {
              image: CLEAN_ID,
              imageId: CLEAN_ID,
              ref: 'lens-fixture/multistage-clean:latest',
              totalBytes: 12,
              categories: {
                sharedBaseLayers: 0,
                goModuleCache: 0,
                goBuildCache: 0,
                wastedByLaterDeletes: 0,
                rest: 12,
              },
            },
          ],
        },
        'GET /api/analyses': {
          analyses: [
            {
              imageId: SINGLE_ID,
              ref: 'r',
              analyzedAt: '2024-06-03T00:00:00Z',
              sizeBytes: 812,
              summary: { polluted: true, moduleCacheBytes: 61, buildCacheBytes: 45, wastedGoCacheBytes: 0 },
              findings: 2,
            },
            {
              imageId: SINGLE_ID,
              ref: 'r',
              analyzedAt: '2024-06-01T00:00:00Z',
              sizeBytes: 700,
              summary: { polluted: false, moduleCacheBytes: 0, buildCacheBytes: 0, wastedGoCacheBytes: 0 },
              findings: 0,
            },
          ],
        },
      },
    });
    expect(await screen.findByText('Pick at least two images')).toBeTruthy();
    await act(() => store.getState().setCompareSelection([SINGLE_ID, CLEAN_ID]));
    const rows = await screen.findAllByTestId('compare-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('812 B · Go caches 106 B (13%)')).toBeTruthy();
    expect(
      [...rows[0]!.querySelectorAll('[data-segment]')].map((s) => s.getAttribute('data-segment')),
    ).toEqual(['base', 'moduleCache', 'buildCache', 'rest']);
    fireEvent.click(screen.getByLabelText('Go caches only'));
    expect(
      [...screen.getAllByTestId('compare-row')[0]!.querySelectorAll('[data-segment]')].map((s) =>
        s.getAttribute('data-segment'),
      ),
    ).toEqual(['moduleCache', 'buildCache']);
    const trend = await screen.findByTestId('trend');
    expect(within(trend).getAllByTestId('trend-point')).toHaveLength(2);
    expect(within(trend).getByText(/size \+112 B/)).toBeTruthy();
  });
});

describe('App shell', () => {
  const routes = {
    'GET /api/health': healthAnswer,
    'GET /api/images': imagesAnswer,
    'GET /api/build-cache': buildCacheAnswer,
  };

  it('navigates with tabs and keeps the view in the URL hash', async () => {
    const { store } = renderWithStore(<App />, { routes });
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy();
    expect(await screen.findByText('Docker 26.1.5 · containerd image store')).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Build cache' }));
    expect(await screen.findByRole('heading', { name: 'Build cache' })).toBeTruthy();
    expect(window.location.hash).toBe('#/build-cache');
    act(() => {
      window.location.hash = '#/images/' + encodeURIComponent(SINGLE_ID);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await waitFor(() => expect(store.getState().route).toEqual({ view: 'image', imageId: SINGLE_ID }));
    expect(screen.getByRole('tab', { name: 'Images', selected: true })).toBeTruthy();
  });

  it('has a theme toggle in the standalone page that switches to dark', async () => {
    const { store } = renderWithStore(<App />, { routes });
    const toggle = await screen.findByRole('button', { name: 'Theme: follows the system' });
    fireEvent.click(toggle);
    fireEvent.click(screen.getByRole('button', { name: 'Theme: light' }));
    expect(store.getState().themeMode).toBe('dark');
    await waitFor(() => expect(getComputedStyle(document.body).backgroundColor).toBe('rgb(22, 25, 30)'));
  });

  it("uses Docker Desktop's injected theme and has no toggle inside Docker Desktop", async () => {
    const w = window as Window & { __ddMuiV6Themes?: unknown };
    expect(hasDockerThemes()).toBe(false);
    w.__ddMuiV6Themes = {
      light: { palette: { mode: 'light', background: { default: 'rgb(1, 2, 3)' } } },
      dark: { palette: { mode: 'dark', background: { default: 'rgb(4, 5, 6)' } } },
    };
    try {
      const desktop = { desktopUI: { toast: {}, navigate: {} } } as unknown as DesktopClient;
      renderWithStore(<App />, { routes, desktop, kind: 'desktop' });
      await screen.findByRole('heading', { name: 'Overview' });
      expect(screen.queryByRole('button', { name: /Theme:/ })).toBeNull();
      expect(getComputedStyle(document.body).backgroundColor).toBe('rgb(1, 2, 3)');
    } finally {
      delete w.__ddMuiV6Themes;
    }
  });
});
