import { useEffect, useRef } from 'react';
import type { OpenTarget } from '../../../shared/open-target';
import { getApi } from '../../api';

/** Carries out 'app:open' (the person clicked a desktop notification): `open` shows the target. */
export function useOpenTarget(open: (target: OpenTarget) => void): void {
  const latest = useRef(open);
  latest.current = open;
  useEffect(() => getApi().events.appOpen((target) => latest.current(target)), []);
}
