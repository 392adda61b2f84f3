import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Chip from '@mui/material/Chip';
import Collapse from '@mui/material/Collapse';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import type { HistoryEntry, ImageFinding, LayerReport } from '../api/types';
import { cleanInstruction, formatBytes, shortInstruction } from '../lib/format';
import { findingText } from '../lib/findings';
import { categoryColors } from '../theme/colors';
import { ModuleTable } from './ModuleTable';
import { SizeBar } from './SizeBar';
import { StackedBar } from './StackedBar';

export function layerGoBytes(layer: LayerReport): number {
  return layer.goCaches.reduce((a, c) => a + c.bytes, 0);
}

const ROW_COLUMNS = {
  xs: '36px minmax(0, 1fr) 28px',
  md: '40px minmax(0, 3fr) minmax(72px, 2fr) 76px 228px 28px',
  lg: '40px minmax(0, 3fr) minmax(80px, 2fr) 76px 250px 28px',
};

/** The analysed layers, biggest Go cache highlighted; a layer expands to its caches and modules. */
export function LayerList(props: {
  layers: LayerReport[];
  findings: ImageFinding[];
  expanded: ReadonlySet<number>;
  onToggle(index: number): void;
}) {
  const theme = useTheme();
  const colors = categoryColors(theme);
  const max = Math.max(1, ...props.layers.map((l) => l.sizeBytes));
  return (
    <Paper
      variant="outlined"
      component="ol"
      sx={{ listStyle: 'none', m: 0, p: 0, overflow: 'hidden' }}
      aria-label="Layers"
    >
      {props.layers.map((layer) => {
        const go = layerGoBytes(layer);
        const mod = layer.goCaches.filter((c) => c.kind === 'module-cache').reduce((a, c) => a + c.bytes, 0);
        const build = go - mod;
        const findings = props.findings.filter((f) => f.layerIndex === layer.index);
        const open = props.expanded.has(layer.index);
        const hot = go > 0 || layer.deletedGoCacheBytes > 0;
        const instruction = cleanInstruction(layer.createdBy) || '(base layer: no build step recorded)';
        const short = shortInstruction(layer.createdBy) || instruction;
        return (
          <Box
            component="li"
            key={layer.index}
            data-testid="layer"
            data-go-cache={go > 0 ? 'true' : 'false'}
            sx={{
              borderBottom: 1,
              borderColor: 'divider',
              '&:last-of-type': { borderBottom: 'none' },
              borderLeft: '4px solid',
              borderLeftColor:
                go > 0 ? colors.moduleCache : layer.deletedGoCacheBytes > 0 ? colors.wasted : 'transparent',
              bgcolor: hot
                ? alpha(
                    go > 0 ? colors.moduleCache : colors.wasted,
                    theme.palette.mode === 'dark' ? 0.07 : 0.05,
                  )
                : undefined,
            }}
          >
            <ButtonBase
              onClick={() => props.onToggle(layer.index)}
              aria-expanded={open}
              aria-label={`Layer ${layer.index}: ${instruction}`}
              sx={{
                width: '100%',
                textAlign: 'left',
                display: 'grid',
                gridTemplateColumns: ROW_COLUMNS,
                alignItems: 'center',
                columnGap: 1.5,
                rowGap: 0.5,
                px: 1.5,
                py: 1,
                '&:hover': { bgcolor: 'action.hover' },
              }}
            >
              <Typography variant="body2" color="text.secondary" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                #{layer.index}
              </Typography>
              <Typography
                variant="body2"
                sx={{
                  fontFamily: 'monospace',
                  whiteSpace: 'nowrap',
                  overflow: 'hidden',
                  textOverflow: 'ellipsis',
                }}
                title={instruction}
              >
                {short}
              </Typography>
              <Box sx={{ display: { xs: 'none', md: 'block' } }}>
                <StackedBar
                  max={max}
                  height={10}
                  label={`${formatBytes(layer.sizeBytes)}, of which ${formatBytes(go)} Go cache`}
                  segments={[
                    { key: 'moduleCache', label: 'Go module cache', value: mod, color: colors.moduleCache },
                    { key: 'buildCache', label: 'Go build cache', value: build, color: colors.buildCache },
                    {
                      key: 'rest',
                      label: 'Other files',
                      value: Math.max(0, layer.sizeBytes - go),
                      color: colors.base,
                    },
                  ]}
                />
              </Box>
              <Typography
                variant="body2"
                sx={{
                  display: { xs: 'none', md: 'block' },
                  textAlign: 'right',
                  whiteSpace: 'nowrap',
                  fontVariantNumeric: 'tabular-nums',
                }}
              >
                {formatBytes(layer.sizeBytes)}
              </Typography>
              <Box
                sx={{
                  display: { xs: 'none', md: 'flex' },
                  gap: 0.5,
                  flexWrap: 'wrap',
                  justifyContent: 'flex-end',
                }}
              >
                <LayerChips go={go} deleted={layer.deletedGoCacheBytes} findings={findings} />
              </Box>
              <ExpandMoreIcon
                fontSize="small"
                sx={{
                  transform: open ? 'rotate(180deg)' : 'none',
                  transition: 'transform 150ms',
                  color: 'text.secondary',
                }}
              />
              <Box
                sx={{
                  display: { xs: 'flex', md: 'none' },
                  gridColumn: '2 / 3',
                  gap: 0.5,
                  flexWrap: 'wrap',
                  alignItems: 'center',
                }}
              >
                <Typography variant="body2" color="text.secondary">
                  {formatBytes(layer.sizeBytes)}
                </Typography>
                <LayerChips go={go} deleted={layer.deletedGoCacheBytes} findings={findings} />
              </Box>
            </ButtonBase>
            <Collapse in={open} unmountOnExit>
              <LayerDetail layer={layer} findings={findings} instruction={instruction} />
            </Collapse>
          </Box>
        );
      })}
    </Paper>
  );
}

function LayerChips({ go, deleted, findings }: { go: number; deleted: number; findings: ImageFinding[] }) {
  const worst = findings.some((f) => f.severity === 'error')
    ? 'error'
    : findings.length
      ? 'warning'
      : undefined;
  return (
    <>
      {go > 0 && (
        <Chip size="small" color="warning" label={`Go cache ${formatBytes(go)}`} sx={{ fontWeight: 600 }} />
      )}
      {deleted > 0 && (
        <Chip size="small" color="error" variant="outlined" label={`deletes ${formatBytes(deleted)}`} />
      )}
      {worst && (
        <Chip
          size="small"
          color={worst}
          variant="outlined"
          label={`${findings.length} finding${findings.length === 1 ? '' : 's'}`}
        />
      )}
    </>
  );
}

function LayerDetail({
  layer,
  findings,
  instruction,
}: {
  layer: LayerReport;
  findings: ImageFinding[];
  instruction: string;
}) {
  const theme = useTheme();
  const colors = categoryColors(theme);
  return (
    <Box sx={{ px: { xs: 1.5, md: 2 }, pb: 2, pt: 0.5, ml: { md: '40px' } }} data-testid="layer-detail">
      <Box
        component="pre"
        sx={{
          m: 0,
          mb: 1.5,
          p: 1,
          borderRadius: 1,
          bgcolor: 'action.hover',
          fontSize: 12.5,
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
          maxHeight: 160,
          overflow: 'auto',
        }}
      >
        {instruction}
      </Box>
      {layer.goCaches.length === 0 && layer.deletedGoCacheBytes === 0 && (
        <Typography variant="body2" color="text.secondary">
          No Go cache in this layer.
        </Typography>
      )}
      {layer.deletedGoCacheBytes > 0 && (
        <Typography variant="body2" sx={{ mb: 1.5 }}>
          This layer deletes <b>{formatBytes(layer.deletedGoCacheBytes)}</b> of Go cache written by earlier
          layers. The earlier layers still carry those bytes, so the image is no smaller.
        </Typography>
      )}
      {layer.goCaches.map((cache) => (
        <Box key={`${cache.kind}:${cache.root}`} sx={{ mb: 2 }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', mb: 0.75 }}>
            <Box
              sx={{
                width: 10,
                height: 10,
                borderRadius: 0.5,
                bgcolor: cache.kind === 'module-cache' ? colors.moduleCache : colors.buildCache,
              }}
            />
            <Typography variant="subtitle2" component="h3">
              {cache.kind === 'module-cache' ? 'Go module cache' : 'Go build cache'} at{' '}
              <Box component="code" sx={{ fontFamily: 'monospace' }}>
                {cache.root}
              </Box>
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {formatBytes(cache.bytes)} in {cache.files.toLocaleString()} files
              {cache.kind === 'module-cache' ? ` · ${cache.modules.length} module versions` : ''}
            </Typography>
          </Box>
          <Box sx={{ maxWidth: 420, mb: 1 }}>
            <SizeBar
              value={cache.bytes}
              max={layer.sizeBytes}
              color={cache.kind === 'module-cache' ? colors.moduleCache : colors.buildCache}
              label={`${formatBytes(cache.bytes)} of the layer's ${formatBytes(layer.sizeBytes)}`}
            />
          </Box>
          {cache.kind === 'module-cache' ? (
            cache.modules.length > 0 ? (
              <ModuleTable modules={cache.modules} label={`Modules in ${cache.root}`} />
            ) : (
              <Typography variant="body2" color="text.secondary">
                Download metadata only; no extracted module.
              </Typography>
            )
          ) : (
            <Typography variant="body2" color="text.secondary">
              Compiled package objects and test results from go build and go test. Safe to delete; Go rebuilds
              them when needed.
            </Typography>
          )}
        </Box>
      ))}
      {findings.length > 0 && (
        <Box>
          <Typography variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>
            Findings in this layer
          </Typography>
          <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
            {findings.map((f, i) => (
              <li key={i}>
                <Typography variant="body2">{findingText(f).title}</Typography>
              </li>
            ))}
          </Box>
        </Box>
      )}
    </Box>
  );
}

/** Before an analysis: the build history from the engine, without Go cache data. */
export function HistoryList({ history }: { history: HistoryEntry[] }) {
  const max = Math.max(1, ...history.map((h) => h.sizeBytes));
  return (
    <Paper
      variant="outlined"
      component="ol"
      sx={{ listStyle: 'none', m: 0, p: 0 }}
      aria-label="Build history"
    >
      {history.map((h, i) => (
        <Box
          component="li"
          key={i}
          sx={{
            display: 'grid',
            gridTemplateColumns: { xs: 'minmax(0,1fr) 80px', md: 'minmax(0,3fr) minmax(100px,2fr) 84px' },
            gap: 1.5,
            alignItems: 'center',
            px: 1.5,
            py: 0.75,
            borderBottom: 1,
            borderColor: 'divider',
            '&:last-of-type': { borderBottom: 'none' },
            color: h.empty ? 'text.secondary' : 'text.primary',
          }}
        >
          <Typography
            variant="body2"
            sx={{
              fontFamily: 'monospace',
              whiteSpace: 'nowrap',
              overflow: 'hidden',
              textOverflow: 'ellipsis',
            }}
            title={h.instruction}
          >
            {shortInstruction(h.instruction) || (h.comment ? `(${h.comment})` : '(no build step recorded)')}
          </Typography>
          <Box sx={{ display: { xs: 'none', md: 'block' } }}>
            {!h.empty && (
              <SizeBar value={h.sizeBytes} max={max} label={formatBytes(h.sizeBytes)} height={6} />
            )}
          </Box>
          <Typography variant="body2" sx={{ textAlign: 'right', whiteSpace: 'nowrap' }}>
            {h.empty ? 'no layer' : formatBytes(h.sizeBytes)}
          </Typography>
        </Box>
      ))}
    </Paper>
  );
}
