// The import layers of virtdeck, checked by `npm run lint` (depcruise). README "Layers" and
// docs/architecture.md describe the same list: change the three together.
//
// Bottom to top; a module imports only its own layer or lower ones, and no import cycle anywhere:
//   1 base       lib/env.ts lib/log.ts lib/version.ts lib/server-only-shim.ts lib/crypto lib/i18n
//                lib/http/errors.ts lib/contracts (lib/contracts: nothing but lib/contracts and zod)
//   2 db         lib/db lib/generated (the Prisma client)
//   3 libvirt    lib/libvirt: pure parsers and DOM builders (base only, no I/O)
//     hosts      lib/hosts: SSH transport and host client (base, db, libvirt)
//   4 virt       lib/virt: one module per libvirt resource (hosts + libvirt)
//   5 services   in this order: lib/audit lib/authz lib/auth lib/users lib/tasks lib/fleet lib/templates
//                lib/storage lib/provisioning lib/backup lib/consoles lib/migration lib/snapshots, then the task wiring (lib/tasks/handlers.ts,
//                housekeeping.ts); feature code reaches hosts through lib/virt or the host client
//   (the privilege list and Prisma's enums are constants shared with the browser: base)
//   6 delivery   lib/http (but errors.ts) lib/ws server.ts app/
//   7 browser    components/: lib/contracts and the client parts of lib/i18n only
// Tests (*.test.ts, tests/, e2e/), fixtures, scripts/ and bench/ sit outside the layers.

// The privilege list (lib/authz/privileges.ts, lib/auth/permissions.ts before the move) and Prisma's generated
// enums are constants shared with the browser: they count as base wherever their folder sits.
const SHARED_CONSTANTS = [
  "^lib/authz/privileges[.]ts$",
  "^lib/auth/permissions[.]ts$",
  "^lib/generated/prisma/enums[.]ts$",
];
const BASE = [
  "^lib/(env|log|version|server-only-shim)[.]ts$",
  "^lib/(crypto|i18n|contracts)/",
  "^lib/http/errors[.]ts$",
  ...SHARED_CONSTANTS,
];
const DB = ["^lib/db/", "^lib/generated/"];
const LIBVIRT = ["^lib/libvirt/"];
const HOSTS = ["^lib/hosts/"];
const VIRT = ["^lib/virt/"];
const SERVICES = [
  "^lib/(audit|authz|auth|users|tasks|fleet|storage|provisioning|backup|templates|consoles|migration|snapshots)/",
];
const DELIVERY = ["^lib/http/(?!errors[.]ts$)", "^lib/ws/", "^server[.]ts$", "^app/"];
const BROWSER = ["^components/"];
const BROWSER_MAY_IMPORT = ["^lib/contracts/", "^lib/i18n/(config|negotiate)[.]ts$", ...SHARED_CONSTANTS];

const TESTS = ["[.]test[.]tsx?$", "/__fixtures__/", "^tests/", "^e2e/"];

// Services, bottom to top: each imports only the services before it in this list. The task wiring
// (lib/tasks/handlers.ts registers every feature's task handler, housekeeping.ts every purge) sits above all.
const SERVICE_ORDER = [
  "audit",
  "authz",
  "auth",
  "users",
  "tasks",
  "fleet",
  "templates",
  "storage",
  "provisioning",
  "backup",
  "consoles",
  "migration",
  "snapshots",
];
const TASK_WIRING = "^lib/tasks/(handlers|housekeeping)[.]ts$";
const serviceOrder = SERVICE_ORDER.slice(0, -1).map((svc, i) => ({
  name: "services-in-order",
  comment: `lib/${svc} imports only the services listed before it (${SERVICE_ORDER.slice(0, i).join(", ") || "none"}).`,
  severity: "error",
  from: { path: `^lib/${svc}/`, pathNot: [...TESTS, TASK_WIRING, ...SHARED_CONSTANTS] },
  to: { path: `^lib/(${SERVICE_ORDER.slice(i + 1).join("|")})/`, pathNot: SHARED_CONSTANTS },
}));

// Everything of ours a layer rule looks at.
const OURS = ["^lib/", "^app/", "^components/", "^server[.]ts$"];
const LAYERED = [...BASE, ...DB, ...LIBVIRT, ...HOSTS, ...VIRT, ...SERVICES, ...DELIVERY, ...BROWSER];

/** A layer rule: modules in `from` import nothing of ours outside `allowed`. */
function layer(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from, pathNot: TESTS },
    to: { path: OURS, pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: split the shared part out into a lower module.",
      severity: "error",
      from: { path: OURS },
      to: { circular: true },
    },
    {
      name: "lib-folder-without-layer",
      comment:
        "A lib/ module outside every layer: add its folder to a layer here, in README and in docs/architecture.md.",
      severity: "error",
      from: { path: "^lib/", pathNot: [...LAYERED, ...TESTS, "^lib/generated/"] },
      to: {},
    },
    layer("base-imports-base-only", "Layer 1 (base) imports only base.", BASE, BASE),
    layer(
      "contracts-are-browser-safe",
      "lib/contracts is shared with the browser: it imports nothing but lib/contracts, the shared constants and zod (not even types of services).",
      ["^lib/contracts/"],
      ["^lib/contracts/", ...SHARED_CONSTANTS],
    ),
    {
      name: "contracts-no-node",
      comment: "lib/contracts is shared with the browser: no Node built-ins.",
      severity: "error",
      from: { path: "^lib/contracts/", pathNot: TESTS },
      to: { dependencyTypes: ["core"] },
    },
    layer("db-imports-base-db", "Layer 2 (db) imports only base and db.", DB, [...BASE, ...DB]),
    layer("libvirt-is-pure", "lib/libvirt (parsers, DOM builders) imports only base.", LIBVIRT, [...BASE, ...LIBVIRT]),
    {
      name: "libvirt-no-io",
      comment:
        "lib/libvirt does no I/O: no fs, net, child_process, ssh, database (node:crypto for random MACs is fine).",
      severity: "error",
      from: { path: "^lib/libvirt/", pathNot: TESTS },
      to: {
        dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: ["^(node:)?crypto$", "node_modules/(@xmldom/xmldom|zod|server-only)/"],
      },
    },
    layer("hosts-imports-base-db-libvirt", "lib/hosts imports only base, db and libvirt.", HOSTS, [
      ...BASE,
      ...DB,
      ...LIBVIRT,
      ...HOSTS,
    ]),
    layer("virt-imports-hosts-libvirt", "lib/virt imports only hosts, libvirt and below.", VIRT, [
      ...BASE,
      ...DB,
      ...LIBVIRT,
      ...HOSTS,
      ...VIRT,
    ]),
    layer("services-below-delivery", "Services (layer 5) import no delivery code and no browser code.", SERVICES, [
      ...BASE,
      ...DB,
      ...LIBVIRT,
      ...HOSTS,
      ...VIRT,
      ...SERVICES,
    ]),
    ...serviceOrder,
    {
      name: "features-reach-hosts-through-virt",
      comment:
        "Feature code talks to hosts through lib/virt, or the host client itself (lib/hosts/client.ts: console streams, exec), never the transport, sessions or virsh argv.",
      severity: "error",
      from: {
        path: "^lib/(fleet|storage|provisioning|backup|templates|consoles|migration)/",
        // The connection caches' owner (builds the host clients) and the connection test (dials an address).
        pathNot: [...TESTS, "^lib/fleet/(runtime|probe)[.]ts$"],
      },
      // Types (a CommandStream the client hands out) are fine: the rule is about what runs.
      to: {
        path: "^lib/hosts/",
        pathNot: ["^lib/hosts/(client|client-errors|errors)[.]ts$"],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "server-delivery-not-browser",
      comment: "lib/http, lib/ws and server.ts import no browser components (app/ pages may render them).",
      severity: "error",
      from: { path: ["^lib/http/", "^lib/ws/", "^server[.]ts$"], pathNot: TESTS },
      to: { path: "^components/" },
    },
    layer(
      "browser-imports-contracts-only",
      "components/ imports only browser code, lib/contracts and lib/i18n/config|negotiate.",
      BROWSER,
      [...BROWSER, ...BROWSER_MAY_IMPORT],
    ),
    {
      name: "browser-never-reaches-server-only",
      comment: "components/ reaches (through any chain of runtime imports) a module marked server-only.",
      severity: "error",
      from: { path: BROWSER, pathNot: TESTS },
      to: { path: "node_modules/server-only/", reachable: true },
    },
  ],
  options: {
    // Tests, fixtures and generated code are not cruised as sources; lib/generated still shows as a target.
    exclude: { path: ["[.]test[.]tsx?$", "/__fixtures__/", "^\\.next/", "^dist/"] },
    doNotFollow: { path: ["node_modules", "^lib/generated/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
