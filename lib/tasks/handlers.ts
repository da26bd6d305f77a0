import "server-only";

/**
 * Every feature's task handlers, registered by importing their modules once
 * here. The custom server imports this file before starting the workers; each
 * feature adds one line.
 */
import "@/lib/provisioning/vm-create";
import "@/lib/storage/upload";
import "@/lib/storage/volume-ops";
import "@/lib/provisioning/vm-delete";
import "@/lib/provisioning/vm-clone";
import "@/lib/backup/run";
import "@/lib/backup/restore";
import "@/lib/migration/service";
import "@/lib/migration/maintenance-tasks";
import "@/lib/snapshots/snapshots";
import "@/lib/snapshots/schedules";
import "@/lib/provisioning/template-image-copy";
