import type { RouteConfig } from '../doorTypes.js';
import type { IssueCollector } from '../issues.js';
import { joinKeyPath } from '../keyPath.js';

/**
 * A service's `routes` and `route_values` against the routes the main config defines: every
 * name must exist, a `route_values` entry must be for a route the service lists, and each
 * route must end up with a value to inject (the service's own or the route's). `defined` maps
 * an invalid route's name to null. Messages name keys, never values.
 */
export function checkServiceRoutes(
  routes: readonly string[],
  routeValues: Readonly<Record<string, string>>,
  path: string,
  defined: ReadonlyMap<string, RouteConfig | null>,
  issues: IssueCollector,
): void {
  routes.forEach((name, index) => {
    const route = defined.get(name);
    const at = `${joinKeyPath(path, 'routes')}[${index}]`;
    // null: the route exists but is invalid, and reported as such where it is defined.
    if (route === null) return;
    if (route === undefined) {
      issues.error(at, `names route ${name}, which proxy.routes does not define`);
    } else if (routeValues[name] === undefined && route.inject.value === undefined) {
      issues.error(
        at,
        `route ${name} has no inject.value, so this service needs route_values.${name}`,
      );
    }
  });
  for (const name of Object.keys(routeValues)) {
    if (!routes.includes(name)) {
      issues.error(
        joinKeyPath(joinKeyPath(path, 'route_values'), name),
        `is for route ${name}, which this service's routes do not list`,
      );
    }
  }
}
