import {
  RULES,
  fixDockerfile,
  lintDockerfile,
  type DoctorFinding,
  type LintOptions,
} from '../../../src/core/doctor/index.js';

/** Findings of one rule (hadolint's ruleCatches / ruleCatchesNot, as plain helpers). */
export function findingsOf(rule: string, text: string, opts: LintOptions = {}): DoctorFinding[] {
  return lintDockerfile(text, opts).findings.filter((f) => f.rule === rule);
}

export function catches(rule: string, text: string, opts: LintOptions = {}): DoctorFinding[] {
  const found = findingsOf(rule, text, opts);
  if (found.length === 0) {
    const all = lintDockerfile(text, opts).findings.map((f) => `${f.line} ${f.rule}`);
    throw new Error(`expected ${rule} to fire; got: ${all.join(', ') || 'nothing'}\n${text}`);
  }
  return found;
}

export function catchesNot(rule: string, text: string, opts: LintOptions = {}): void {
  const found = findingsOf(rule, text, opts);
  if (found.length > 0) {
    throw new Error(
      `expected ${rule} to stay silent; got: ${found.map((f) => `${f.line}: ${f.message}`).join('; ')}\n${text}`,
    );
  }
}

/** The file after applying only the given rule's fixes (every other rule silenced). */
export function fixOnly(rule: string, text: string, opts: LintOptions = {}): string {
  const others = RULES.map((r) => r.id).filter((r) => r !== rule);
  return fixDockerfile(text, { ...opts, ignore: others }).fixed;
}

/** A local image env where every golang image reports the given Go version. */
export function golangEnv(version: string): LintOptions['localImageEnv'] {
  return (image) =>
    image.startsWith('golang')
      ? [
          `GOLANG_VERSION=${version}`,
          'GOPATH=/go',
          'PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        ]
      : undefined;
}
