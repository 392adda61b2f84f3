import type { FixAnswer, LintAnswer } from '../api/types';
import { failed, idle, loading, ready } from './remote';
import type { Remote, SliceCreator } from './types';

export interface DoctorState {
  content: string;
  fileName?: string;
  runtimeImage: string;
  lint: Remote<LintAnswer>;
  /** The text the lint result belongs to. */
  lintedContent?: string;
  fix: Remote<FixAnswer>;
  /** The text the fix belongs to. */
  fixedContent?: string;
}

export interface DoctorSlice {
  doctor: DoctorState;
  setDoctorContent(content: string, fileName?: string): void;
  setRuntimeImage(image: string): void;
  lintDockerfile(): Promise<void>;
  fixDockerfile(): Promise<void>;
}

export const createDoctorSlice: SliceCreator<DoctorSlice> = (set, get, { client }) => {
  const patch = (p: Partial<DoctorState>) => set({ doctor: { ...get().doctor, ...p } });
  return {
    doctor: { content: '', runtimeImage: '', lint: idle(), fix: idle() },

    setDoctorContent(content, fileName) {
      patch({ content, fileName: fileName ?? get().doctor.fileName });
    },

    setRuntimeImage(image) {
      patch({ runtimeImage: image });
    },

    async lintDockerfile() {
      const content = get().doctor.content;
      if (content.trim() === '') {
        patch({ lint: idle(), lintedContent: undefined });
        return;
      }
      patch({ lint: loading(get().doctor.lint) });
      try {
        const answer = await client.lint(content);
        // A newer edit may have started another check meanwhile; keep the latest.
        if (get().doctor.content === content) patch({ lint: ready(answer), lintedContent: content });
      } catch (e) {
        patch({ lint: failed(e) });
      }
    },

    async fixDockerfile() {
      const { content, runtimeImage } = get().doctor;
      if (content.trim() === '') return;
      patch({ fix: loading(get().doctor.fix) });
      try {
        const answer = await client.fix(content, runtimeImage.trim() || undefined);
        patch({ fix: ready(answer), fixedContent: content });
        if (get().doctor.lintedContent !== content) {
          patch({ lint: ready({ findings: answer.findings }), lintedContent: content });
        }
      } catch (e) {
        patch({ fix: failed(e) });
      }
    },
  };
};
