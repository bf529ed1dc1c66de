import { Link } from 'react-router';

/** `embedded`: inside a layout that already has the main landmark. */
export function NotFoundPage({ embedded = false }: { embedded?: boolean }) {
  const body = (
    <>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to the Patient Access Admin Console</Link>
      </p>
    </>
  );
  return embedded ? body : (
    <main id="main" className="narrow">
      {body}
    </main>
  );
}
