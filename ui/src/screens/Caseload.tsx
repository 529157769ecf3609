import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { CaseloadFilter } from "../bindings/CaseloadFilter";
import type { CaseloadRow } from "../bindings/CaseloadRow";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";

const PAGE = 100;
const ROW_HEIGHT = 44;

const FILTERS: readonly { filter: CaseloadFilter; label: string }[] = [
  { filter: "open", label: "Open episodes" },
  { filter: "discharged", label: "Discharged" },
  { filter: "all", label: "All clients" },
];

const CONSENT: Record<ConsentStatus, string> = {
  given: "Given",
  refused: "Refused",
  withdrawn: "Withdrawn",
};

/** Typing in a field (other than the search) keeps its keys; elsewhere "/" and "n" are shortcuts. */
function typingElsewhere(e: globalThis.KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

/** A client's errors, warnings and draft in progress, as short tags (words, not colour alone). */
function ToDo({ errors, warnings, due, overdue, draft }: { errors: number; warnings: number; due: number; overdue: number; draft: boolean }) {
  return (
    <>
      {overdue > 0 && (
        <span className="tag error" title={`${overdue} outcome record${overdue === 1 ? "" : "s"} or review${overdue === 1 ? "" : "s"} overdue`}>
          {overdue} late<span className="visually-hidden"> (overdue)</span>
        </span>
      )}{" "}
      {due > 0 && (
        <span className="tag due" title={`${due} outcome record${due === 1 ? "" : "s"} or review${due === 1 ? "" : "s"} due`}>
          {due} due
        </span>
      )}{" "}
      {errors > 0 && (
        <span className="tag error" title={`${errors} error${errors === 1 ? "" : "s"} to fix`}>
          {errors} fix<span className="visually-hidden"> (errors)</span>
        </span>
      )}{" "}
      {warnings > 0 && (
        <span className="tag warning" title={`${warnings} item${warnings === 1 ? "" : "s"} to add or check`}>
          {warnings} add<span className="visually-hidden"> (warnings)</span>
        </span>
      )}{" "}
      {draft && <span className="tag due">draft</span>}
    </>
  );
}

/**
 * The keyworker's home: every client, searched by the core as they type. Keyboard: "/" to search,
 * arrows to move, Enter to open, "n" for a new client. The list is virtualised: only the rows in
 * view are in the page, and further rows are asked for as it scrolls.
 */
export function Caseload({ done }: { done?: string | undefined }) {
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [filter, setFilter] = useState<CaseloadFilter>("open");
  const [mine, setMine] = useState(false);
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const list = useInfiniteQuery({
    queryKey: ["caseload", text, filter, mine],
    queryFn: ({ pageParam }) => commands.caseload({ text, filter, mine, offset: pageParam, limit: PAGE }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
  const rows: CaseloadRow[] = list.data?.pages.flatMap((p) => p.rows) ?? [];
  // What each client's records would get if sent today: asked once the list is shown (a
  // whole check of every client), so it never holds the list up.
  const flags = useQuery({ queryKey: ["caseload", "flags"], queryFn: () => commands.caseloadFlags(), staleTime: 0 });
  const flagOf = useMemo(() => new Map((flags.data ?? []).map((f) => [f.reference, f])), [flags.data]);
  const first = list.data?.pages[0];
  const total = first?.total ?? 0;
  const columns = first?.columns ?? [];
  // Each attributor column as wide as its label's longest word (up to 8 letters; longer ones
  // are hyphenated) or its longest value seen (a date is wider than an initial). Widths only
  // grow, so the grid (shared by the rows through a CSS variable) stays the same string from
  // keystroke to keystroke and the rows' styles are not worked out again.
  const widest = useRef<number[]>([]);
  const grid = useMemo(() => {
    const shown = first?.rows ?? [];
    widest.current = columns.map((label, i) =>
      Math.min(
        12,
        Math.max(
          widest.current[i] ?? 0,
          1 + Math.max(3, ...label.split(" ").map((w) => Math.min(8, w.length)), ...shown.map((r) => (r.attributors[i] ?? "").length)),
        ),
      ),
    );
    return `5rem ${widest.current.map((w) => `${w}ch`).join(" ")} 2.3rem 6.5rem 5.2rem 7.4rem minmax(2.5rem, 1fr)`;
  }, [columns, first]);

  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Scrolling re-renders in React's own batches rather than synchronously in the event.
    useFlushSync: false,
  });
  const items = virtual.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastShown >= rows.length - 20 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastShown, rows.length, list]);

  const open = (row: CaseloadRow | undefined) => {
    if (row) void navigate({ to: "/clients/$reference", params: { reference: row.reference } });
  };
  const move = (to: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setActive(i);
    virtual.scrollToIndex(i, { align: "auto" });
  };
  const onKeys = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") move(active + 1);
    else if (e.key === "ArrowUp") move(active - 1);
    else if (e.key === "PageDown") move(active + 10);
    else if (e.key === "PageUp") move(active - 10);
    else if (e.key === "Enter") open(rows[active]);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const shortcut = (e: globalThis.KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingElsewhere(e)) return;
      if (e.key === "/") {
        e.preventDefault();
        search.current?.focus();
      } else if (e.key === "n") {
        e.preventDefault();
        void navigate({ to: "/clients/new" });
      }
    };
    window.addEventListener("keydown", shortcut);
    return () => window.removeEventListener("keydown", shortcut);
  }, [navigate]);

  const error = asAppError(list.error);
  const activeId = rows[active] ? `client-${active}` : undefined;
  return (
    <section aria-labelledby="caseload-title" data-testid="caseload" style={{ "--caseload-grid": grid } as React.CSSProperties}>
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      {done && (
        <div className="panel-confirm" role="status" data-testid="caseload-confirm">
          {done}
        </div>
      )}
      <h1 id="caseload-title">Caseload</h1>
      <div className="caseload-tools">
        <div className="field">
          <label htmlFor="caseload-search">Find a client</label>
          <p className="hint" id="caseload-search-hint">
            Client reference, initials or date of birth (dd/mm/yyyy). Press / to come here, arrows to choose, Enter to
            open, n for a new client.
          </p>
          <input
            id="caseload-search"
            ref={search}
            type="search"
            value={text}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            role="combobox"
            aria-expanded="true"
            aria-controls="caseload-list"
            aria-activedescendant={activeId}
            aria-describedby="caseload-search-hint"
            onChange={(e) => {
              // The choice goes back to the first match in the same render as the new text.
              setText(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKeys}
          />
        </div>
        <fieldset className="inline">
          <legend>Show</legend>
          {FILTERS.map((f) => (
            <label key={f.filter} className="choice">
              <input
                type="radio"
                name="caseload-filter"
                value={f.filter}
                checked={filter === f.filter}
                onChange={() => {
                  setFilter(f.filter);
                  setActive(0);
                }}
              />
              {f.label}
            </label>
          ))}
          <label className="choice">
            <input type="checkbox" checked={mine} onChange={(e) => {
                setMine(e.target.checked);
                setActive(0);
              }} data-testid="caseload-mine" />
            Only my clients
          </label>
        </fieldset>
      </div>
      <p role="status" data-testid="caseload-count">
        {first ? `${total.toLocaleString("en-GB")} of ${first.clients.toLocaleString("en-GB")} clients` : "Loading…"}
      </p>
      <div className="caseload-head" aria-hidden="true" style={{ "--attributors": columns.length } as React.CSSProperties}>
        <span>Client</span>
        {columns.map((c) => (
          <span key={c}>{c}</span>
        ))}
        <span>Age</span>
        <span>Open since</span>
        <span>Consent</span>
        <span>To do</span>
        <span>Keyworker</span>
      </div>
      <div className="caseload-scroll" ref={scroller}>
        <ul
          id="caseload-list"
          role="listbox"
          aria-label="Clients"
          tabIndex={0}
          aria-activedescendant={activeId}
          onKeyDown={onKeys}
          style={{ height: virtual.getTotalSize(), position: "relative" }}
        >
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <li
                key={row.reference}
                id={`client-${item.index}`}
                role="option"
                aria-selected={item.index === active}
                data-testid="caseload-row"
                className={item.index === active ? "caseload-row active" : "caseload-row"}
                style={
                  {
                    position: "absolute",
                    top: 0,
                    transform: `translateY(${item.start}px)`,
                    height: ROW_HEIGHT,
                    "--attributors": columns.length,
                  } as React.CSSProperties
                }
                onClick={() => {
                  setActive(item.index);
                  open(row);
                }}
              >
                <span className="ref">{row.reference}</span>
                {row.attributors.map((a, i) => (
                  <span key={columns[i] ?? i}>{a}</span>
                ))}
                <span>{row.age ?? ""}</span>
                <span>{row.open_episode ? row.open_episode.start : row.episodes ? "discharged" : "none yet"}</span>
                <span>
                  <span className="visually-hidden">Consent: </span>
                  {row.consent ? CONSENT[row.consent] : "—"}
                </span>
                <span>
                  <ToDo
                    errors={flagOf.get(row.reference)?.errors ?? 0}
                    warnings={flagOf.get(row.reference)?.warnings ?? 0}
                    due={flagOf.get(row.reference)?.due ?? 0}
                    overdue={flagOf.get(row.reference)?.overdue ?? 0}
                    draft={row.draft}
                  />
                </span>
                <span title={row.keyworker ?? undefined}>{row.keyworker ?? ""}</span>
              </li>
            );
          })}
        </ul>
      </div>
      {first && total === 0 && <p data-testid="caseload-empty">No client matches. Check the spelling, or show all clients.</p>}
    </section>
  );
}
