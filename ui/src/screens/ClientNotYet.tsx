import { Link } from "@tanstack/react-router";

/** Where the caseload opens a client, until the client record is built: said plainly. */
export function ClientNotYet({ reference }: { reference: string }) {
  return (
    <section className="card" data-testid="not-yet">
      <h1>Client {reference}</h1>
      <p>
        The client record is not built yet. It comes with the rest of the work on the keyworker's desk: attributors,
        consent with its history, episodes as treatment journeys, and the forms.
      </p>
      <p>
        <Link to="/caseload">Back to the caseload</Link>
      </p>
    </section>
  );
}
