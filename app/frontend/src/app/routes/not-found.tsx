import { Link } from 'react-router';
import { PageTitle } from '@/components/ui/page-title';
import { paths } from '@/config/paths';

export function NotFoundRoute() {
  return (
    <>
      <PageTitle title="Page not found" />
      <p>That page does not exist. It may have moved.</p>
      <Link to={paths.catalog} className="button button-primary">
        Back to the shop
      </Link>
    </>
  );
}
