import type { AnalysisProgress, AnalysisResult } from '../core/analysisTypes.js';
import { FINDING_RULES } from '../core/findings/rules.js';
import { humanBytes } from '../core/findings/humanBytes.js';
import { toSarif } from '../core/sarif.js';

/** Human-readable report of one analysis. */
export function formatAnalysisText(r: AnalysisResult): string {
  const out: string[] = [];
  const s = r.summary;
  out.push(`Image ${r.image.ref} (${r.image.id.slice(0, 19)}, ${humanBytes(r.image.sizeBytes)})`);
  if (s.polluted) {
    const parts = [];
    if (s.moduleCacheBytes > 0) parts.push(`${humanBytes(s.moduleCacheBytes)} module cache`);
    if (s.buildCacheBytes > 0) parts.push(`${humanBytes(s.buildCacheBytes)} build cache`);
    out.push(`Polluted: yes, the final filesystem holds ${parts.join(' and ') || 'Go cache files'}`);
  } else {
    out.push('Polluted: no');
  }
  if (s.wastedGoCacheBytes > 0) out.push(`Go cache shipped in layers: ${humanBytes(s.wastedGoCacheBytes)}`);
  out.push('', 'Layers:');
  for (const l of r.layers) {
    const cmd = l.createdBy.length > 90 ? `${l.createdBy.slice(0, 87)}...` : l.createdBy;
    out.push(`  #${l.index}  ${humanBytes(l.sizeBytes).padStart(8)}  ${cmd || l.diffId.slice(0, 19)}`);
    for (const c of l.goCaches) {
      const mods =
        c.kind === 'module-cache' ? `, ${c.modules.length} module${c.modules.length === 1 ? '' : 's'}` : '';
      out.push(`        ${c.kind} ${c.root}: ${humanBytes(c.bytes)} in ${c.files} files${mods}`);
      for (const m of c.modules.slice(0, 20))
        out.push(`          ${m.path}@${m.version}  ${humanBytes(m.bytes)}`);
      if (c.modules.length > 20) out.push(`          ... and ${c.modules.length - 20} more`);
    }
    if (l.deletedGoCacheBytes > 0)
      out.push(`        deletes ${humanBytes(l.deletedGoCacheBytes)} of Go cache from lower layers`);
  }
  out.push('');
  if (r.findings.length === 0) {
    out.push('No findings.');
  } else {
    out.push('Findings:');
    for (const f of r.findings) {
      const where = f.layerIndex >= 0 ? `layer #${f.layerIndex}` : 'config';
      out.push(`  ${f.severity.padEnd(7)} ${f.kind} (${where}): ${f.message}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** SARIF 2.1.0 log of the findings, the image reference as the artifact. */
export function formatAnalysisSarif(r: AnalysisResult, toolVersion: string): string {
  const rules = FINDING_RULES.map((rule) => ({ id: rule.kind, description: rule.description }));
  const results = r.findings.map((f) => ({
    ruleId: f.kind,
    severity: f.severity,
    message: f.message,
    uri: r.image.ref,
    properties: {
      imageId: r.image.id,
      layerIndex: f.layerIndex,
      ...(f.layerIndex >= 0 ? { diffId: r.layers[f.layerIndex]?.diffId } : {}),
      ...(f.modules ? { modules: f.modules } : {}),
      ...(f.env ? { env: f.env } : {}),
    },
  }));
  return `${JSON.stringify(toSarif(toolVersion, rules, results), null, 2)}\n`;
}

/** One self-rewriting progress line for a terminal. */
export function progressLine(
  stream: NodeJS.WritableStream,
  label: string,
): { update(p: AnalysisProgress): void; clear(): void } {
  let shown = false;
  return {
    update(p) {
      const total = p.bytesTotal > 0 ? ` of ~${humanBytes(p.bytesTotal)}` : '';
      const pct =
        p.bytesTotal > 0 ? ` (${Math.min(99, Math.floor((p.bytesRead / p.bytesTotal) * 100))}%)` : '';
      const layer = p.layer ? `, layer ${p.layer.slice(0, 19)}` : '';
      stream.write(`\r\x1b[2KReading ${label}: ${humanBytes(p.bytesRead)}${total}${pct}${layer}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
