package io.lvscp.agent.health;

/**
 * What one check found. {@code UNKNOWN} means the checker itself could not tell (its worker process is starting or
 * gone, no answer in time): it counts neither for nor against the real server, so a broken checker never takes
 * healthy servers out of rotation.
 */
public record CheckResult(Status status, String reason, long nanos) {
    public enum Status { UP, DOWN, UNKNOWN }

    public static CheckResult up(String reason, long nanos) {
        return new CheckResult(Status.UP, reason, nanos);
    }

    public static CheckResult down(String reason, long nanos) {
        return new CheckResult(Status.DOWN, reason, nanos);
    }

    public static CheckResult unknown(String reason) {
        return new CheckResult(Status.UNKNOWN, reason, 0);
    }

    public boolean up() {
        return status == Status.UP;
    }
}
