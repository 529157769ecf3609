// Live checks shared by every form: each value checked by the core as it changes (the report's
// rules and messages), answers to earlier keystrokes that arrive late ignored; and work done a
// moment after typing stops.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Finding } from "../bindings/Finding";
import { commands } from "../bindings/commands";

export function useFieldChecks() {
  const [live, setLive] = useState<Record<string, Finding[]>>({});
  // The latest check asked for each field: an earlier answer must not put back a message the
  // value no longer has.
  const asked = useRef<Record<string, number>>({});
  const check = useCallback((header: string, value: string) => {
    const n = (asked.current[header] ?? 0) + 1;
    asked.current[header] = n;
    void commands
      .checkField(header, value)
      .then((found) => {
        if (asked.current[header] === n) setLive((l) => ({ ...l, [header]: found }));
      })
      .catch(() => undefined);
  }, []);
  return { live, check };
}

/** Runs `work` once `deps` have stopped changing for `ms`; a later answer replaces an earlier. */
export function useSettled<T>(work: () => Promise<T> | null, deps: readonly unknown[], ms: number): T | null {
  const [answer, setAnswer] = useState<T | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const t = window.setTimeout(() => {
      const p = work();
      if (p)
        void p
          .then((a) => {
            if (mine === seq.current) setAnswer(a);
          })
          .catch(() => undefined);
    }, ms);
    return () => window.clearTimeout(t);
    // The caller names what the work depends on.
  }, deps);
  return answer;
}

/** The findings shown at a field: what its value got as typed, else (after a save was tried)
 * what the whole record got there. */
export function findingsAt(header: string, live: Record<string, Finding[]>, whole: readonly Finding[]): readonly Finding[] {
  const typed = live[header];
  if (typed && typed.length) return typed;
  const here = whole.filter((f) => f.field === header);
  // The same empty list each time, so a field with nothing to say is not drawn again.
  return here.length ? here : NONE;
}

const NONE: readonly Finding[] = [];
