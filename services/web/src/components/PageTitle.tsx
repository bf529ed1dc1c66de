import { useEffect } from 'react';

/** The page's h1, also the document title (screen readers and tabs). */
export function PageTitle({ children, suffix = 'Patient Access' }: { children: string; suffix?: string }) {
  useEffect(() => {
    document.title = `${children} · ${suffix}`;
  }, [children, suffix]);
  return <h1>{children}</h1>;
}
