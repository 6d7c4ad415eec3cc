import { subgraphSdl } from './graphql/schema';
import { buildGraphSchema } from './server';

// `npm run --silent schema:print > contact-graph.graphql`, for `rover subgraph publish`.
subgraphSdl(buildGraphSchema()).then(
  (sdl) => process.stdout.write(sdl.endsWith('\n') ? sdl : `${sdl}\n`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
