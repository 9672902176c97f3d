package io.mooring.exec;

/** What a finished command printed, its exit code and how long it took. */
public record CommandResult(int exitCode, String stdout, String stderr, long millis) {}
