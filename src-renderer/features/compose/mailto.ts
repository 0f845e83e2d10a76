/**
 * mailto: links handed to the app by the system (see src-main/services/mailto.ts). Main keeps each link
 * until a window takes it; the window takes them at start and whenever the compose:mailto event says one
 * arrived, so a link that launched the app is not lost before the window listens.
 */
import { useEffect, useRef } from 'react';
import { draftFromMailto } from '../../../shared/mailto';
import type { ComposeDraft } from '../../../shared/outbox';
import { getApi } from '../../api';

export function useMailtoLinks(handlers: { onDraft: (draft: ComposeDraft) => void; onRefused: (reason: string) => void }): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const api = getApi();
    const take = () =>
      void api.compose.takeMailto({}).then((result) => {
        if (!result.ok) return;
        for (const link of result.value) if (link.kind === 'refused') latest.current.onRefused(link.reason);
        // One compose window: of several links handed over at once, the last one is opened.
        const last = result.value.findLast((link) => link.kind === 'draft');
        if (last?.kind === 'draft') latest.current.onDraft(draftFromMailto(last.draft));
      });
    take();
    return api.events.composeMailto(take);
  }, []);
}
