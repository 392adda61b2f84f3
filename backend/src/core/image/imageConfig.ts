/** The parts of an OCI / Docker image config the analysis reads. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: {
    Env?: string[] | null;
    User?: string;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  } | null;
  history?: ImageHistoryEntry[];
  rootfs?: { type?: string; diff_ids?: string[] };
}

export interface ImageHistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The `created_by` of each non-empty history entry, aligned with `diffIds` ('' when unknown). */
export function layerCommands(config: ImageConfig, layerCount: number): string[] {
  const cmds = (config.history ?? [])
    .filter((h) => !h.empty_layer)
    .map((h) => h.created_by || h.comment || '');
  const out: string[] = [];
  for (let i = 0; i < layerCount; i++) out.push(cleanCommand(cmds[i] ?? ''));
  return out;
}

/** `/bin/sh -c #(nop)  ENV A=1` -> `ENV A=1`; `RUN /bin/sh -c x # buildkit` -> `RUN /bin/sh -c x`. */
export function cleanCommand(c: string): string {
  let s = c.trim();
  const nop = s.match(/^\/bin\/sh -c #\(nop\)\s+(.*)$/s);
  if (nop) s = nop[1]!.trim();
  else if (s.startsWith('/bin/sh -c ')) s = `RUN ${s}`;
  return s.replace(/\s+# buildkit$/, '');
}

/** `NAME=value` pairs of the config's Env, later entries winning. */
export function envMap(config: ImageConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config.config?.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return m;
}
