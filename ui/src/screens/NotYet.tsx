import type { Screen } from "../screens";

/** A screen the navigation already offers whose work is not built yet: said plainly. */
export function NotYet({ screen }: { screen: Screen }) {
  return (
    <section className="card" data-testid="not-yet">
      <h1>{screen.label}</h1>
      <p>
        This screen is not built yet. It comes with the work on {screen.comesWith}. Until then, the{" "}
        <code>ndtms</code> command line does what the core already can.
      </p>
    </section>
  );
}
