/** Decimal units, as Docker Desktop shows sizes. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = abs;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${bytes < 0 ? '-' : ''}${v.toFixed(digits)} ${units[i]}`;
}

/** "3 minutes ago", "2 days ago"; the full date for anything older than a month. */
export function formatAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'just now';
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.round(h / 24);
  if (d < 31) return `${d} day${d === 1 ? '' : 's'} ago`;
  return formatDate(iso);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "12%", or "<1%" for a share too small to round up to one. */
export function share(part: number, whole: number): string {
  const p = percent(part, whole);
  return p > 0 && p < 1 ? '<1%' : `${Math.round(p)}%`;
}

export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.max(0, Math.min(100, (part / whole) * 100));
}

/** A build step as a short line: `/bin/sh -c #(nop)  ENV X=1` -> `ENV X=1`, `RUN /bin/sh -c go build` -> `RUN go build`. */
export function cleanInstruction(createdBy: string): string {
  let s = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/;
  if (nop.test(s)) return s.replace(nop, '').trim();
  s = s.replace(/^\/bin\/sh -c /, 'RUN ');
  s = s.replace(/^RUN \/bin\/sh -c /, 'RUN ');
  s = s.replace(/^RUN \|\d+ (?:\S+=\S* )*\/bin\/sh -c /, 'RUN ');
  s = s.replace(/\s*# buildkit$/, '');
  return s;
}

/**
 * A build step short enough for one line: leading `NAME=value` assignments of a RUN are folded into "…",
 * since the command after them is what tells steps apart (`RUN … go mod download`).
 */
export function shortInstruction(createdBy: string): string {
  const full = cleanInstruction(createdBy);
  const m = /^RUN ((?:--\S+ )*)((?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"[^"]*"|\S*) +)+)(.+)$/.exec(full);
  if (!m) return full;
  return `RUN ${m[1] ?? ''}… ${m[3]}`;
}
