import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import type { DoctorFinding } from '../api/types';
import { RichText } from './RichText';
import { SeverityChip } from './SeverityChip';

/** One Dockerfile doctor finding: rule, lines, message; the whole explanation once selected. */
export function DoctorFindingCard(props: { finding: DoctorFinding; selected: boolean; onSelect(): void }) {
  const { finding: f, selected } = props;
  const lines =
    f.endLine > f.line ? `Lines ${f.line}–${f.endLine}` : f.line > 0 ? `Line ${f.line}` : 'Whole file';
  return (
    <Paper
      variant="outlined"
      data-testid="doctor-finding"
      sx={
        selected
          ? { borderColor: 'primary.main', boxShadow: (t) => `inset 3px 0 0 ${t.palette.primary.main}` }
          : undefined
      }
    >
      <ButtonBase
        onClick={props.onSelect}
        aria-pressed={selected}
        sx={{
          display: 'block',
          width: '100%',
          textAlign: 'left',
          p: 1.5,
          '&:hover': { bgcolor: 'action.hover' },
        }}
      >
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', mb: 0.5 }}>
          <SeverityChip severity={f.severity} />
          <Chip size="small" variant="outlined" label={f.rule} sx={{ fontFamily: 'monospace' }} />
          <Typography variant="body2" color="text.secondary">
            {lines}
          </Typography>
        </Box>
        <Typography component="span" sx={{ display: 'block', fontWeight: 600 }}>
          <RichText text={f.message} capitalize />
        </Typography>
        {f.explanation && (
          <Typography
            component="span"
            variant="body2"
            color="text.secondary"
            title={selected ? undefined : 'Click for the whole explanation'}
            sx={{
              mt: 0.5,
              // Two lines until the finding is selected; then all of it.
              display: selected ? 'block' : '-webkit-box',
              WebkitBoxOrient: 'vertical',
              WebkitLineClamp: selected ? 'none' : 2,
              overflow: 'hidden',
            }}
          >
            <RichText text={f.explanation} />
          </Typography>
        )}
        {f.fix && (
          <Typography component="span" variant="body2" sx={{ display: 'block', mt: 0.5 }}>
            <b>Fix:</b> <RichText text={f.fix} />
          </Typography>
        )}
      </ButtonBase>
    </Paper>
  );
}

/**
 * The findings column of the doctor and the build page: one card per finding, one selected at a time.
 * With `emptyMessage`, an empty list says so instead of showing nothing.
 */
export function DoctorFindingList(props: {
  findings: DoctorFinding[];
  selected: number | undefined;
  onSelect(index: number | undefined, finding: DoctorFinding | undefined): void;
  maxHeight: number;
  emptyMessage?: string;
}) {
  const { findings, selected } = props;
  if (props.emptyMessage !== undefined && findings.length === 0) {
    return (
      <Paper
        variant="outlined"
        sx={{ p: 2, display: 'flex', gap: 1, alignItems: 'center' }}
        data-testid="no-findings"
      >
        <CheckCircleIcon color="success" />
        <Typography>{props.emptyMessage}</Typography>
      </Paper>
    );
  }
  return (
    <Box
      sx={{
        display: 'flex',
        flexDirection: 'column',
        gap: 1,
        maxHeight: { md: props.maxHeight },
        overflow: { md: 'auto' },
      }}
    >
      {findings.map((f, i) => (
        <DoctorFindingCard
          key={`${f.rule}-${f.line}-${i}`}
          finding={f}
          selected={selected === i}
          onSelect={() => (selected === i ? props.onSelect(undefined, undefined) : props.onSelect(i, f))}
        />
      ))}
    </Box>
  );
}
