import type { Severity } from './analysisTypes.js';

/** One result in tool-neutral form; both `analyze` and `lint` map their findings to this. */
export interface SarifInput {
  ruleId: string;
  severity: Severity;
  message: string;
  /** File (Dockerfile path) or artifact (image reference) the result is about. */
  uri: string;
  startLine?: number;
  endLine?: number;
  properties?: Record<string, unknown>;
}

export interface SarifRule {
  id: string;
  description: string;
  helpUri?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** A SARIF 2.1.0 log with one run. */
export function toSarif(toolVersion: string, rules: SarifRule[], results: SarifInput[]): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'gocache-lens',
            version: toolVersion,
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.description },
              ...(r.helpUri ? { helpUri: r.helpUri } : {}),
            })),
          },
        },
        results: results.map((r) => ({
          ruleId: r.ruleId,
          level: LEVEL[r.severity],
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.uri },
                ...(r.startLine !== undefined
                  ? { region: { startLine: r.startLine, endLine: r.endLine ?? r.startLine } }
                  : {}),
              },
            },
          ],
          ...(r.properties ? { properties: r.properties } : {}),
        })),
      },
    ],
  };
}
