package io.lvscp.cli;

import io.lvscp.cli.imports.Documents;
import io.lvscp.cli.imports.Importer;
import io.lvscp.cli.imports.Report;
import io.lvscp.cli.server.ApplyCommand;
import io.lvscp.cli.server.ServerOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code lvscp import FILE}: a Piranha lvs.cf or a keepalived.conf as an lvscp cluster document on stdout,
 * what could not be carried over on stderr as {@code FILE:LINE: warning: ...} (imported without it) or
 * {@code FILE:LINE: error: ...} (nothing imported, exit 1). No server is needed, unless {@code --apply}: then the
 * document is applied as {@code lvscp apply -f} would apply it.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Print the lvscp cluster document equivalent to a Piranha lvs.cf or a keepalived.conf.",
                "Without --format the format is told from the first statement: a keepalived keyword "
                        + "(global_defs, vrrp_instance, virtual_server, virtual_server_group, include...) is keepalived; "
                        + "a 'key = value' line or 'virtual NAME {' is lvs.cf."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:imported (warnings, if any, on stderr)", "1:refused: errors on stderr, no document (or, with --apply, refused by the server)",
                "2:usage error", "3:--apply: the control plane cannot be reached"})
public final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the lvs.cf or keepalived.conf to read")
    Path file;

    @Option(names = "--format", paramLabel = "lvs.cf|keepalived", description = "the file's format (default: detected)")
    String format;

    @Option(names = "--cluster", paramLabel = "NAME", description = "the cluster's name (default: from the file's name)")
    String cluster;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "keepalived: the device of the VIPs no vrrp_instance holds (default: those are errors)")
    String device;

    @Option(names = "--nat-router", arity = "2", paramLabel = "ADDRESS/NETMASK DEVICE",
            description = "keepalived, lb_kind NAT: the NAT router (the real servers' gateway VIP), e.g. 192.168.1.254/24 eth1:1")
    java.util.List<String> natRouter;

    @Option(names = "--config-id", paramLabel = "ID",
            description = "keepalived: the config id (keepalived -i) its conditional '@ID' lines are read for (default: none)")
    String configId;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json", defaultValue = "yaml",
            description = "the document's form (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--apply", description = "apply the document to the control plane (as `lvscp apply -f`) instead of printing it")
    boolean apply;

    @Option(names = "--dry-run", description = "with --apply: show the events applying it would append, change nothing")
    boolean dryRun;

    @Option(names = "--reason", paramLabel = "TEXT", description = "with --apply: why, recorded with the events in the audit log")
    String reason;

    @Mixin
    ServerOptions server;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private io.lvscp.api.model.NatRouter natRouter(CommandLine cl) {
        if (natRouter == null) return null;
        String[] a = natRouter.get(0).split("/", 2);
        String device = natRouter.get(1);
        boolean v6 = a[0].indexOf(':') >= 0;
        String mask = a.length < 2 ? null : (!v6 && a[1].matches("\\d{1,2}") && Integer.parseInt(a[1]) <= 32
                ? io.lvscp.cli.imports.Values.dotted(Integer.parseInt(a[1])) : a[1]);
        if (io.lvscp.api.model.IpAddresses.parse(a[0]).isEmpty() || mask == null
                || io.lvscp.api.model.IpAddresses.prefixLength(mask, v6).isEmpty()
                || !io.lvscp.api.model.Shapes.isDevice(device)) {
            throw new CommandLine.ParameterException(cl, "--nat-router '" + String.join(" ", natRouter)
                    + "' is not ADDRESS/NETMASK DEVICE (e.g. 192.168.1.254/24 eth1:1)");
        }
        return new io.lvscp.api.model.NatRouter(a[0], mask, device);
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        if (!output.equals("yaml") && !output.equals("json")) {
            throw new CommandLine.ParameterException(cl, "-o '" + output + "' is not yaml or json");
        }
        if (!apply && (dryRun || reason != null)) {
            throw new CommandLine.ParameterException(cl, (dryRun ? "--dry-run" : "--reason") + " goes with --apply");
        }
        if (!Files.isRegularFile(file)) {
            throw new CommandLine.ParameterException(cl, file + ": no such file");
        }
        Importer.Format f;
        if (format != null) {
            try {
                f = Importer.Format.of(format);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--format " + e.getMessage());
            }
        } else {
            f = Importer.detect(Files.readString(file, StandardCharsets.UTF_8));
            if (f == null) {
                throw new CommandLine.ParameterException(cl, file + ": neither an lvs.cf nor a keepalived.conf that I can tell; give --format");
            }
        }
        Importer.Result r = Importer.read(file, f, cluster, device, natRouter(cl), configId);
        for (Report.Entry e : r.report().entries()) err.println(e);
        if (r.report().hasErrors()) {
            err.println(file + ": refused: " + r.report().errors().size() + " error(s), nothing imported");
            err.flush();
            return Lvscp.REFUSED;
        }
        err.flush();
        if (apply) return ApplyCommand.apply(spec, server, r.document().name(), Documents.json(r.document()), dryRun, reason);
        out.print(output.equals("json") ? Documents.json(r.document()) : Documents.yaml(r.document()));
        out.flush();
        return Lvscp.OK;
    }
}
