import type { EventStream } from '../api/client';
import type { BuildDetail, BuildFeedMessage, BuildSummary } from '../api/types';
import { failed, idle, loading, ready } from './remote';
import type { Remote, SliceCreator } from './types';

/** How the build list stays current: server-sent events (standalone) or polling (Docker Desktop). */
export type BuildsFeed = 'off' | 'connecting' | 'live' | 'retrying' | 'polling';

export interface BuildsFilter {
  text: string;
  /** Failed and canceled builds only. */
  failedOnly: boolean;
}

export interface BuildsSlice {
  /** BuildKit builds, newest first. */
  builds: Remote<BuildSummary[]>;
  /** Build ref -> its detail (Dockerfile, error, doctor report). */
  buildDetails: Record<string, Remote<BuildDetail>>;
  /** Image id -> the build that produced it (null when no build record matches). */
  imageBuilds: Record<string, Remote<BuildDetail | null>>;
  buildsFeed: BuildsFeed;
  buildsFilter: BuildsFilter;
  setBuildsFilter(patch: Partial<BuildsFilter>): void;
  loadBuilds(): Promise<void>;
  loadBuild(ref: string): Promise<void>;
  loadImageBuild(imageId: string): Promise<void>;
  /** Loads the details of these builds in the background, two at a time (for their findings counts). */
  prefetchBuildDetails(refs: string[]): void;
  /** Keeps the list current while anyone watches; the returned function stops watching. */
  watchBuilds(): () => void;
}

/** The list asks for at most this many builds. */
export const BUILDS_LIMIT = 200;
const PREFETCH_AT_ONCE = 2;

type BuildMessage = Extract<BuildFeedMessage, { kind: 'build' }>;

/** Newest first; builds without a start time last. */
function sortBuilds(list: BuildSummary[]): BuildSummary[] {
  return [...list].sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}

export function applyBuildMessage(list: BuildSummary[], m: BuildMessage): BuildSummary[] {
  if (m.type === 'deleted') return list.filter((b) => b.ref !== m.ref);
  const build = m.build;
  if (!build) return list;
  const i = list.findIndex((b) => b.ref === m.ref);
  if (i < 0) return sortBuilds([build, ...list]);
  const next = [...list];
  next[i] = build;
  return next;
}

/** The builds the filter lets through, in list order. */
export function filterBuilds(list: readonly BuildSummary[], f: BuildsFilter): BuildSummary[] {
  const q = f.text.trim().toLowerCase();
  return list.filter(
    (b) =>
      (!f.failedOnly || b.status === 'failed' || b.status === 'canceled') &&
      (!q ||
        b.name.toLowerCase().includes(q) ||
        b.ref.toLowerCase().includes(q) ||
        b.dockerfileName.toLowerCase().includes(q) ||
        (b.image?.tags.some((t) => t.toLowerCase().includes(q)) ?? false)),
  );
}

/** True when what a detail shows may differ: the build finished, failed or got its image since. */
function changed(prev: BuildSummary, next: BuildSummary): boolean {
  return (
    prev.status !== next.status ||
    prev.completedAt !== next.completedAt ||
    (prev.image?.id ?? '') !== (next.image?.id ?? '')
  );
}

export const createBuildsSlice: SliceCreator<BuildsSlice> = (set, get, deps) => {
  const { client } = deps;
  const pollMs = deps.buildsPollMs ?? 5000;
  const retryMs = deps.buildsPollMs ?? 3000;
  let watchers = 0;
  /** Bumped on every start and stop of the feed, so stale timers and streams do nothing. */
  let generation = 0;
  let stream: EventStream | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;
  let again = false;
  /** Feed messages that arrive while the list loads: applied to its answer, which may predate them. */
  let buffered: BuildMessage[] | undefined;
  const queue: string[] = [];
  let prefetching = 0;

  const putDetail = (ref: string, r: Remote<BuildDetail>) =>
    set({ buildDetails: { ...get().buildDetails, [ref]: r } });

  /** Replaces the list; details and image lookups the change makes stale are loaded again. */
  const putList = (next: BuildSummary[]) => {
    const prev = new Map((get().builds.data ?? []).map((b) => [b.ref, b]));
    const staleImages: string[] = [];
    for (const b of next) {
      const old = prev.get(b.ref);
      if (old && !changed(old, b)) continue;
      if (b.image && get().imageBuilds[b.image.id]) staleImages.push(b.image.id);
      if (old && get().buildDetails[b.ref]) void get().loadBuild(b.ref);
    }
    if (staleImages.length > 0) {
      const imageBuilds = { ...get().imageBuilds };
      for (const id of staleImages) delete imageBuilds[id];
      set({ imageBuilds });
    }
    set({ builds: ready(next) });
  };

  const loadList = (quiet: boolean): Promise<void> => {
    if (inflight) {
      again = true;
      return inflight;
    }
    const run = async () => {
      do {
        again = false;
        buffered = [];
        if (!quiet || get().builds.status !== 'ready') set({ builds: loading(get().builds) });
        try {
          let list = await client.builds(BUILDS_LIMIT);
          for (const m of buffered) list = applyBuildMessage(list, m);
          putList(list);
        } catch (e) {
          set({ builds: failed(e, get().builds) });
        }
        buffered = undefined;
      } while (again);
    };
    inflight = run().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const onFeed = (gen: number, m: BuildFeedMessage) => {
    if (gen !== generation) return;
    if (m.kind === 'state') {
      set({ buildsFeed: m.state });
      // Builds that finished before the feed was live are not reported: one listing catches up.
      if (m.state === 'live') void loadList(true);
      return;
    }
    buffered?.push(m);
    const list = get().builds.data;
    if (list) putList(applyBuildMessage(list, m));
  };

  const openStream = (gen: number) => {
    set({ buildsFeed: 'connecting' });
    const s = client.watchBuilds({
      onMessage: (m) => onFeed(gen, m),
      onError: () => {
        if (gen !== generation) return;
        stream?.close();
        stream = undefined;
        set({ buildsFeed: 'retrying' });
        timer = setTimeout(() => {
          timer = undefined;
          if (gen === generation) openStream(gen);
        }, retryMs);
      },
    });
    if (gen === generation) stream = s;
    else s?.close();
  };

  const schedulePoll = (gen: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      if (gen !== generation) return;
      void loadList(true).then(() => {
        if (gen === generation) schedulePoll(gen);
      });
    }, pollMs);
  };

  const start = () => {
    const gen = ++generation;
    void loadList(get().builds.status === 'ready');
    if (client.hasEvents) openStream(gen);
    else {
      set({ buildsFeed: 'polling' });
      schedulePoll(gen);
    }
  };

  const stop = () => {
    generation++;
    stream?.close();
    stream = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
    set({ buildsFeed: 'off' });
  };

  const pump = () => {
    while (prefetching < PREFETCH_AT_ONCE && queue.length > 0) {
      const ref = queue.shift()!;
      if (get().buildDetails[ref]) continue;
      prefetching++;
      void get()
        .loadBuild(ref)
        .finally(() => {
          prefetching--;
          pump();
        });
    }
  };

  return {
    builds: idle(),
    buildDetails: {},
    imageBuilds: {},
    buildsFeed: 'off',
    buildsFilter: { text: '', failedOnly: false },

    setBuildsFilter(patch) {
      set({ buildsFilter: { ...get().buildsFilter, ...patch } });
    },

    loadBuilds: () => loadList(false),

    async loadBuild(ref) {
      const prev = get().buildDetails[ref];
      putDetail(ref, loading(prev));
      try {
        putDetail(ref, ready(await client.build(ref)));
      } catch (e) {
        putDetail(ref, failed(e, get().buildDetails[ref]));
      }
    },

    async loadImageBuild(imageId) {
      const prev = get().imageBuilds[imageId];
      set({ imageBuilds: { ...get().imageBuilds, [imageId]: loading(prev) } });
      try {
        const detail = await client.imageBuild(imageId);
        set({ imageBuilds: { ...get().imageBuilds, [imageId]: ready(detail ?? null) } });
        if (detail) putDetail(detail.ref, ready(detail));
      } catch (e) {
        set({ imageBuilds: { ...get().imageBuilds, [imageId]: failed(e, prev) } });
      }
    },

    prefetchBuildDetails(refs) {
      // The newest request wins: rows scrolled away or filtered out are not fetched any more.
      queue.length = 0;
      for (const ref of refs) if (!get().buildDetails[ref] && !queue.includes(ref)) queue.push(ref);
      pump();
    },

    watchBuilds() {
      watchers++;
      if (watchers === 1) start();
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        watchers--;
        if (watchers === 0) stop();
      };
    },
  };
};
