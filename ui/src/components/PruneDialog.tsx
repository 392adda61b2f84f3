import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { describeRecord } from '../lib/buildCache';
import { formatBytes } from '../lib/format';
import { useLens } from '../store/context';

/** The one prune workflow: the dry run's exact records and bytes, then confirm. */
export function PruneDialog() {
  const prune = useLens((s) => s.prune);
  const records = useLens((s) => s.buildCache.data?.records);
  const confirm = useLens((s) => s.confirmPrune);
  const cancel = useLens((s) => s.cancelPrune);
  const open = prune.phase === 'confirm' || prune.phase === 'pruning';
  const plan = prune.plan;
  const byId = new Map((records ?? []).map((r) => [r.id, r]));
  const n = plan?.records.length ?? 0;
  return (
    <Dialog open={open} onClose={cancel} maxWidth="sm" fullWidth aria-labelledby="prune-title">
      <DialogTitle id="prune-title">
        {prune.selection?.scope === 'ids' ? 'Prune these cache records?' : 'Prune Go caches?'}
      </DialogTitle>
      <DialogContent>
        {plan && n === 0 ? (
          <Typography>Nothing to prune: every Go cache mount is in use or already gone.</Typography>
        ) : (
          plan && (
            <>
              <Typography data-testid="prune-summary">
                This deletes <b>{n}</b> Go cache record{n === 1 ? '' : 's'} and frees about{' '}
                <b>{formatBytes(plan.bytes)}</b>.
              </Typography>
              <Box
                component="ul"
                sx={{ pl: 2.5, my: 1.5, maxHeight: 220, overflow: 'auto', fontSize: 14 }}
                aria-label="Records to prune"
              >
                {plan.records.map((id) => {
                  const r = byId.get(id);
                  const d = r ? describeRecord(r) : undefined;
                  return (
                    <li key={id}>
                      <Box sx={{ display: 'flex', gap: 1, minWidth: 0 }}>
                        <Box component="span" sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>
                          {d ? d.title : id.slice(0, 12)}
                        </Box>
                        {r && (
                          <Box component="span" sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>
                            {formatBytes(r.size)}
                          </Box>
                        )}
                        {d?.detail && (
                          <Box
                            component="span"
                            title={d.detail}
                            sx={{
                              color: 'text.secondary',
                              fontFamily: 'monospace',
                              fontSize: 12.5,
                              overflow: 'hidden',
                              textOverflow: 'ellipsis',
                              whiteSpace: 'nowrap',
                              minWidth: 0,
                            }}
                          >
                            {d.detail}
                          </Box>
                        )}
                      </Box>
                    </li>
                  );
                })}
              </Box>
              {plan.skipped.length > 0 && (
                <Typography variant="body2" sx={{ mb: 1 }}>
                  {plan.skipped.length} Go cache record{plan.skipped.length === 1 ? ' is' : 's are'} kept
                  because {plan.skipped.length === 1 ? 'it is' : 'they are'} in use or shared with images.
                </Typography>
              )}
              <Typography variant="body2" color="text.secondary">
                Records in use, images, containers and volumes are not touched. The next builds download
                modules and compile packages again once, which clears stale or mismatched cached modules.
              </Typography>
            </>
          )
        )}
        {prune.phase === 'pruning' && <LinearProgress sx={{ mt: 2 }} aria-label="Pruning" />}
      </DialogContent>
      <DialogActions>
        <Button onClick={cancel} disabled={prune.phase === 'pruning'}>
          Cancel
        </Button>
        <Button
          variant="contained"
          color="error"
          onClick={() => void confirm()}
          disabled={prune.phase === 'pruning' || n === 0}
        >
          {prune.phase === 'pruning' ? 'Pruning…' : `Prune ${formatBytes(plan?.bytes ?? 0)}`}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
