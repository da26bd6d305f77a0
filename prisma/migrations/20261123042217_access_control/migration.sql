-- CreateEnum
CREATE TYPE "GrantScope" AS ENUM ('global', 'host', 'vm', 'tag');

-- CreateTable
CREATE TABLE "Group" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupMember" (
    "groupId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "addedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMember_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateTable
CREATE TABLE "AccessRole" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "privileges" TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AccessRole_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Grant" (
    "id" UUID NOT NULL,
    "userId" UUID,
    "groupId" UUID,
    "roleId" TEXT NOT NULL,
    "scope" "GrantScope" NOT NULL,
    "hostId" UUID,
    "vmUuid" TEXT,
    "tag" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" UUID,

    CONSTRAINT "Grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VmTag" (
    "hostId" UUID NOT NULL,
    "vmUuid" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VmTag_pkey" PRIMARY KEY ("hostId","vmUuid","tag")
);

-- CreateIndex
CREATE UNIQUE INDEX "Group_name_key" ON "Group"("name");

-- CreateIndex
CREATE INDEX "GroupMember_userId_idx" ON "GroupMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessRole_name_key" ON "AccessRole"("name");

-- CreateIndex
CREATE INDEX "Grant_userId_idx" ON "Grant"("userId");

-- CreateIndex
CREATE INDEX "Grant_groupId_idx" ON "Grant"("groupId");

-- CreateIndex
CREATE INDEX "Grant_hostId_vmUuid_idx" ON "Grant"("hostId", "vmUuid");

-- CreateIndex
CREATE INDEX "Grant_tag_idx" ON "Grant"("tag");

-- CreateIndex
CREATE INDEX "VmTag_tag_idx" ON "VmTag"("tag");

-- AddForeignKey
ALTER TABLE "GroupMember" ADD CONSTRAINT "GroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupMember" ADD CONSTRAINT "GroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "AccessRole"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VmTag" ADD CONSTRAINT "VmTag_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A grant has exactly one subject, and the columns its scope needs (and no others).
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_subject_check" CHECK (("userId" IS NULL) <> ("groupId" IS NULL));
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_scope_check" CHECK (
  ("scope" = 'global' AND "hostId" IS NULL AND "vmUuid" IS NULL AND "tag" IS NULL) OR
  ("scope" = 'host' AND "hostId" IS NOT NULL AND "vmUuid" IS NULL AND "tag" IS NULL) OR
  ("scope" = 'vm' AND "hostId" IS NOT NULL AND "vmUuid" IS NOT NULL AND "tag" IS NULL) OR
  ("scope" = 'tag' AND "hostId" IS NULL AND "vmUuid" IS NULL AND "tag" IS NOT NULL)
);

-- Built-in roles. Their id is their name; User.role admin/operator acts as a global grant of the same id.
INSERT INTO "AccessRole" ("id", "name", "description", "builtin", "privileges", "updatedAt") VALUES
  ('admin', 'admin', 'Everything, including users, groups, roles and the audit log', true,
   ARRAY['vm.view','vm.console','vm.console.takeover','vm.power','vm.edit','vm.snapshot','vm.clone','vm.migrate','vm.delete','vm.create','host.view','host.manage','template.use','template.manage','storage.manage','network.manage','user.manage','audit.view'], CURRENT_TIMESTAMP),
  ('operator', 'operator', 'Runs hosts and VMs: everything but users, access control and the audit log', true,
   ARRAY['vm.view','vm.console','vm.console.takeover','vm.power','vm.edit','vm.snapshot','vm.clone','vm.migrate','vm.delete','vm.create','host.view','host.manage','template.use','template.manage','storage.manage','network.manage'], CURRENT_TIMESTAMP),
  ('helpdesk', 'helpdesk', 'Sees VMs and opens their consoles', true,
   ARRAY['vm.view','vm.console'], CURRENT_TIMESTAMP),
  ('viewer', 'viewer', 'Sees VMs and hosts, changes nothing', true,
   ARRAY['vm.view','host.view'], CURRENT_TIMESTAMP);

