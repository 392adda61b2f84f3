import type { AnalysisResult } from '../core/analysisTypes.js';
import type { Engine } from '../docker/engine.js';
import type { AnalysisJobs } from '../jobs/analysisJobs.js';

/** What the routes need; createServer builds it, tests may build it with fakes. */

/** The part of the result store the routes read (ResultStore satisfies it). */
export interface AnalysisStore {
  listAnalyses(filter: { imageId?: string; ref?: string; limit?: number }): {
    imageId: string;
    ref: string;
    analyzedAt: string;
    result: AnalysisResult;
  }[];
  latestAnalysis(imageIdOrRef: string): { analyzedAt: string; result: AnalysisResult } | undefined;
}

export interface DoctorFinding {
  rule: string;
  severity: string;
  line: number;
  message: string;
}

export interface DoctorOptions {
  dockerignore?: string | null;
  /** Env (`NAME=value` list) of a local image, for pinning and base image facts. */
  localImageEnv?: (image: string) => string[] | undefined;
  runtimeImage?: string;
}

/** The Dockerfile doctor (core/doctor). */
export interface Doctor {
  lintDockerfile(text: string, opts?: DoctorOptions): { findings: DoctorFinding[] };
  fixDockerfile(
    text: string,
    opts?: DoctorOptions,
  ): {
    fixed: string;
    diff: string;
    findings: DoctorFinding[];
    remaining?: DoctorFinding[];
    dockerignore?: string;
  };
  /** External images the FROM lines name, to look up locally before linting. */
  baseImages?(text: string): string[];
}

export interface ServerContext {
  mode: 'extension' | 'standalone';
  version: string;
  engine: Engine;
  store: AnalysisStore;
  jobs: AnalysisJobs;
  doctor: Doctor | undefined;
}
