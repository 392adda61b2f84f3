import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { AnalysisJob } from '../api/types';
import { formatBytes, percent } from '../lib/format';

export function jobText(job: AnalysisJob): string {
  if (job.status === 'queued') return 'Queued: waiting for another analysis to finish';
  const { bytesRead, bytesTotal } = job.progress;
  if (bytesTotal > 0) return `Reading layers: ${formatBytes(bytesRead)} of ${formatBytes(bytesTotal)}`;
  if (bytesRead > 0) return `Reading layers: ${formatBytes(bytesRead)}`;
  return 'Starting the analysis';
}

/** Progress of one analysis job: determinate when the export size is known. */
export function JobProgress({ job, label }: { job: AnalysisJob; label?: string }) {
  const { bytesRead, bytesTotal } = job.progress;
  const determinate = job.status === 'running' && bytesTotal > 0;
  const value = percent(bytesRead, bytesTotal);
  return (
    <Box>
      <LinearProgress
        variant={determinate ? 'determinate' : 'indeterminate'}
        value={determinate ? value : undefined}
        aria-label={label ?? 'Analysis progress'}
        sx={{ height: 6, borderRadius: 3 }}
      />
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.75 }}>
        {jobText(job)}
        {determinate ? ` (${Math.floor(value)}%)` : ''}
        {job.error ? ` — ${job.error.message}` : ''}
      </Typography>
    </Box>
  );
}
