import { useCallback, useState } from 'react';

/** Copies text; `copied` is true for two seconds after a copy. */
export function useClipboard() {
  const [copied, setCopied] = useState(false);
  const copy = useCallback(async (text: string): Promise<boolean> => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // Fallback for pages without clipboard permission.
      const area = document.createElement('textarea');
      area.value = text;
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      area.remove();
    }
    if (ok) {
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    }
    return ok;
  }, []);
  return { copy, copied };
}

/** Offers `text` as a file download. */
export function downloadText(fileName: string, text: string): void {
  // octet-stream: browsers keep the name as given (text/plain would become "Dockerfile.txt").
  const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
