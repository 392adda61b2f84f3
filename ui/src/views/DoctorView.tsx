import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AutoFixHighIcon from '@mui/icons-material/AutoFixHigh';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import DownloadIcon from '@mui/icons-material/Download';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { useEffect, useRef, useState } from 'react';
import { DiffView } from '../components/DiffView';
import { DockerfileEditor, type DockerfileEditorHandle } from '../components/DockerfileEditor';
import { DoctorFindingList } from '../components/DoctorFindingCard';
import { SectionTitle, ViewHeader } from '../components/Section';
import { ErrorState } from '../components/StateViews';
import { downloadText, useClipboard } from '../hooks/useClipboard';
import { useLens } from '../store/context';

const LINT_DELAY_MS = 600;
const MAX_FILE_BYTES = 1024 * 1024;

function readText(file: Blob): Promise<string> {
  if (typeof file.text === 'function') return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable file'));
    reader.readAsText(file);
  });
}

export const EXAMPLE_DOCKERFILE = `FROM golang:1.22
WORKDIR /src
COPY . .
RUN go mod download
RUN go build -o /app ./cmd/app
RUN go clean -modcache
CMD ["/app"]
`;

export function DoctorView() {
  const doctor = useLens((s) => s.doctor);
  const setContent = useLens((s) => s.setDoctorContent);
  const setRuntimeImage = useLens((s) => s.setRuntimeImage);
  const lint = useLens((s) => s.lintDockerfile);
  const fix = useLens((s) => s.fixDockerfile);
  const notify = useLens((s) => s.notify);
  const editor = useRef<DockerfileEditorHandle>(null);
  const fixResult = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const lintData = doctor.lint.data;
  useEffect(() => setSelected(undefined), [lintData]);
  const fixData = doctor.fix.data;
  useEffect(() => {
    if (fixData) fixResult.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
  }, [fixData]);
  const fileInput = useRef<HTMLInputElement>(null);
  const { copy, copied } = useClipboard();

  // Check as the user types, once they pause.
  useEffect(() => {
    if (doctor.content === doctor.lintedContent) return;
    const t = setTimeout(() => void lint(), LINT_DELAY_MS);
    return () => clearTimeout(t);
  }, [doctor.content, doctor.lintedContent, lint]);

  const openFile = async (file: File) => {
    if (file.size > MAX_FILE_BYTES) {
      notify('error', `${file.name} is larger than 1 MB; is it really a Dockerfile?`);
      return;
    }
    try {
      setContent(await readText(file), file.name);
    } catch (e) {
      notify('error', `Could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const findings = doctor.lint.data?.findings ?? [];
  const fixed = doctor.fix.data && doctor.fixedContent !== undefined ? doctor.fix.data : undefined;
  const fixStale = fixed !== undefined && doctor.fixedContent !== doctor.content;
  const baseName = doctor.fileName ?? 'Dockerfile';

  return (
    <Box>
      <ViewHeader
        title="Dockerfile doctor"
        subtitle="Paste a Dockerfile, open one or drop it on the editor: it is checked for Go cache mistakes as you type, and Fix writes the corrected file."
        actions={
          <>
            <input
              ref={fileInput}
              type="file"
              hidden
              data-testid="file-input"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void openFile(f);
                e.target.value = '';
              }}
            />
            <Button startIcon={<UploadFileIcon />} onClick={() => fileInput.current?.click()}>
              Open file
            </Button>
            {doctor.content === '' && (
              <Button onClick={() => setContent(EXAMPLE_DOCKERFILE, 'Dockerfile')}>Load an example</Button>
            )}
            <Button
              variant="contained"
              startIcon={
                doctor.fix.status === 'loading' ? (
                  <CircularProgress size={16} color="inherit" />
                ) : (
                  <AutoFixHighIcon />
                )
              }
              disabled={doctor.content.trim() === '' || doctor.fix.status === 'loading'}
              onClick={() => void fix()}
            >
              Fix Dockerfile
            </Button>
          </>
        }
      />
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: {
            xs: '1fr',
            md: 'minmax(0, 1fr) minmax(300px, 0.8fr)',
            lg: 'minmax(0, 3fr) minmax(320px, 2fr)',
          },
          alignItems: 'start',
        }}
      >
        <Box sx={{ minWidth: 0 }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.75, minHeight: 24 }}>
            <Typography variant="body2" color="text.secondary" sx={{ fontWeight: 600 }}>
              {doctor.fileName ?? 'Dockerfile'}
            </Typography>
            {doctor.lint.status === 'loading' && <CircularProgress size={12} aria-label="Checking" />}
          </Box>
          <DockerfileEditor
            ref={editor}
            value={doctor.content}
            onChange={(v) => setContent(v)}
            onDropFile={(f) => void openFile(f)}
            findings={findings}
            placeholder={
              'Paste a Dockerfile here, or drop a file.\n\nFROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .'
            }
          />
          <TextField
            size="small"
            label="Runtime image for a new final stage"
            placeholder="gcr.io/distroless/static-debian12:nonroot"
            value={doctor.runtimeImage}
            onChange={(e) => setRuntimeImage(e.target.value)}
            sx={{ mt: 1.5, width: '100%', maxWidth: 480 }}
            slotProps={{ inputLabel: { shrink: true } }}
          />
        </Box>
        <Box sx={{ minWidth: 0 }}>
          <Typography
            variant="body2"
            color="text.secondary"
            sx={{ fontWeight: 600, mb: 0.75, minHeight: 24 }}
          >
            Findings{doctor.lint.data ? ` (${findings.length})` : ''}
          </Typography>
          {doctor.lint.status === 'error' && doctor.lint.error && (
            <ErrorState error={doctor.lint.error} title="The check failed" onRetry={() => void lint()} />
          )}
          {doctor.content.trim() === '' ? (
            <Paper variant="outlined" sx={{ p: 2, color: 'text.secondary' }}>
              Findings appear here, each with the lines it points at highlighted in the editor.
            </Paper>
          ) : (
            <DoctorFindingList
              findings={findings}
              selected={selected}
              maxHeight={560}
              emptyMessage={doctor.lint.data ? 'No Go cache problem found.' : undefined}
              onSelect={(i, f) => {
                setSelected(i);
                if (f && f.line > 0) editor.current?.revealLines(f.line, f.endLine);
              }}
            />
          )}
        </Box>
      </Box>

      {doctor.fix.status === 'error' && doctor.fix.error && (
        <ErrorState error={doctor.fix.error} title="The fix failed" onRetry={() => void fix()} />
      )}
      {fixed && (
        <Box data-testid="fix-result" ref={fixResult}>
          <SectionTitle
            actions={
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                <Button
                  size="small"
                  startIcon={<ContentCopyIcon />}
                  onClick={() =>
                    void copy(fixed.fixed).then((ok) => {
                      if (!ok) notify('error', 'Copying needs clipboard access; use Download instead');
                    })
                  }
                >
                  {copied ? 'Copied' : 'Copy'}
                </Button>
                <Button
                  size="small"
                  startIcon={<DownloadIcon />}
                  onClick={() => downloadText(baseName, fixed.fixed)}
                >
                  Download
                </Button>
                {fixed.diff && (
                  <Button
                    size="small"
                    startIcon={<DownloadIcon />}
                    onClick={() => downloadText(`${baseName}.patch`, fixed.diff)}
                  >
                    Diff
                  </Button>
                )}
              </Box>
            }
          >
            Fixed Dockerfile
          </SectionTitle>
          {fixStale && (
            <Alert
              severity="info"
              sx={{ mb: 1 }}
              action={
                <Button color="inherit" size="small" onClick={() => void fix()}>
                  Fix again
                </Button>
              }
            >
              The Dockerfile changed since this fix.
            </Alert>
          )}
          {fixed.fixed === doctor.fixedContent ? (
            <Alert severity="success">Nothing to change: the doctor has no fix for this Dockerfile.</Alert>
          ) : (
            <DiffView before={doctor.fixedContent ?? ''} after={fixed.fixed} />
          )}
          {fixed.dockerignore && (
            <>
              <SectionTitle
                actions={
                  <Button
                    size="small"
                    startIcon={<DownloadIcon />}
                    onClick={() => downloadText('.dockerignore', fixed.dockerignore!)}
                  >
                    Download
                  </Button>
                }
              >
                Suggested .dockerignore
              </SectionTitle>
              <Box
                component="pre"
                sx={{ m: 0, p: 1.5, border: 1, borderColor: 'divider', borderRadius: 1, fontSize: 12.5 }}
              >
                {fixed.dockerignore}
              </Box>
            </>
          )}
        </Box>
      )}
    </Box>
  );
}
