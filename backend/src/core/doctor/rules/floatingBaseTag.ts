import type { TextEdit } from '../applyEdits.js';
import { expandVars } from '../env.js';
import { envListToMap, isExactGoTag, isGolangName, parseImageRef, tagVersion } from '../images.js';
import type { DockerfileModel, Stage } from '../model.js';
import { defineRule, type Hit } from '../rule.js';

interface Data {
  stage: Stage;
  pinned?: string;
}

/** The exact tag a floating golang reference currently means locally, from the image's GOLANG_VERSION. */
function pinnedTag(model: DockerfileModel, image: string): string | undefined {
  const ref = parseImageRef(image);
  const env = envListToMap(model.localImageEnv?.(image));
  const gv = env.get('GOLANG_VERSION')?.replace(/^go/, '');
  if (!gv || !/^\d+\.\d+\.\d+$/.test(gv)) return undefined;
  const tv = tagVersion(ref.tag);
  if (tv && gv !== tv && !gv.startsWith(`${tv}.`)) return undefined;
  const suffix =
    ref.tag === undefined || ref.tag === 'latest' ? '' : tv ? ref.tag.slice(tv.length) : `-${ref.tag}`;
  return `${gv}${suffix}`;
}

export const floatingBaseTag = defineRule<Data>({
  id: 'floating-base-tag',
  severity: 'warning',
  title: 'A base image without a full version or digest',
  explanation:
    'A tag like `golang:1.22`, `golang:latest` or no tag at all moves: the same Dockerfile builds with ' +
    'another Go release next week, so go.sum checks, build cache keys and the program itself change without ' +
    'any commit, and a build cache mount filled by one release is reused by another. Pin the Go patch ' +
    'version (or a digest) so a toolchain change is a reviewed diff; do the same for any base on `latest`.',
  fixSummary: "pin the patch version (read from the local image's `GOLANG_VERSION` when present) or a digest",
  docs: {
    bad: `FROM golang:1.22 AS build
`,
    good: `FROM golang:1.22.5 AS build
`,
  },
  check({ model }) {
    const hits: Hit<Data>[] = [];
    for (const stage of model.stages) {
      if (stage.parent || !stage.from.image || stage.from.image === 'scratch') continue;
      const image = stage.from.image;
      const ref = parseImageRef(image);
      if (ref.digest) continue;
      const golang = isGolangName(ref.name);
      if (golang ? isExactGoTag(ref.tag) : ref.tag !== undefined && ref.tag !== 'latest') continue;
      const pinned = golang ? pinnedTag(model, image) : undefined;
      const via = stage.from.argNames.length > 0 ? ` (from ${stage.from.raw})` : '';
      hits.push({
        line: stage.fromInstr.line,
        endLine: stage.fromInstr.endLine,
        message: golang
          ? `${image}${via} does not name a Go patch release: the toolchain changes under the same Dockerfile`
          : `${image}${via} ${ref.tag ? 'is on latest' : 'has no tag'}: the base changes under the same Dockerfile`,
        fix: pinned
          ? `pin ${ref.name}:${pinned} (the local image's GOLANG_VERSION) or a digest`
          : golang
            ? `pin a patch release (${ref.name}:${tagVersion(ref.tag) ?? '1.N'}.x…) or a digest`
            : 'pin a version tag or a digest',
        data: { stage, ...(pinned ? { pinned } : {}) },
      });
    }
    return hits;
  },
  fix({ model }, hit) {
    const { stage, pinned } = hit.data;
    if (!pinned || !stage.from.image || !stage.from.raw) return null;
    const ref = parseImageRef(stage.from.image);
    const newImage = `${ref.name}:${pinned}`;
    return pinEdits(model, stage, newImage);
  },
});

function pinEdits(model: DockerfileModel, stage: Stage, newImage: string): { edits: TextEdit[] } | null {
  const raw = stage.from.raw!;
  const span = stage.from.imageSpan;
  if (stage.from.argNames.length === 0) {
    if (!span) return null;
    // Keep the name as written (registry prefix, case); replace only what follows it.
    const written = parseImageRef(raw);
    const nameEnd = raw.toLowerCase().indexOf(written.name) + written.name.length;
    return {
      edits: [
        {
          start: span.start + nameEnd,
          end: span.end,
          text: newImage.slice(parseImageRef(newImage).name.length),
        },
      ],
    };
  }
  // The image comes from a global ARG default: change that default.
  const globals = new Map(model.globalArgs.map((a) => [a.name, a.value]));
  const oldTag = parseImageRef(stage.from.image!).tag ?? '';
  const newTag = parseImageRef(newImage).tag ?? '';
  const oldVersion = tagVersion(oldTag) ?? oldTag;
  const newVersion = tagVersion(newTag) ?? newTag;
  for (const name of stage.from.argNames) {
    const arg = [...model.globalArgs].reverse().find((a) => a.name === name);
    const value = arg?.value;
    if (!arg || value === null || value === undefined) continue;
    const candidates = [
      oldVersion && value.includes(oldVersion) ? value.replace(oldVersion, newVersion) : undefined,
      oldTag && value.includes(oldTag) ? value.replace(oldTag, newTag) : undefined,
      value === stage.from.image ? newImage : undefined,
      value === '' || value === 'latest' ? newVersion : undefined,
    ].filter((c): c is string => c !== undefined);
    for (const cand of candidates) {
      const trial = new Map(globals);
      trial.set(name, cand);
      if (expandVars(raw, trial) !== newImage) continue;
      const vr = arg.node.getProperty()?.getValueRange();
      if (!vr) continue;
      return {
        edits: [{ start: model.source.offsetAt(vr.start), end: model.source.offsetAt(vr.end), text: cand }],
      };
    }
  }
  return null;
}
