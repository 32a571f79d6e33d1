import { setupServer } from 'msw/node';

/** The network boundary for component tests; each test adds the answers it needs with server.use(). */
export const server = setupServer();
