// bin/nsfs-jshell's startup (after jshell's DEFAULT one): the nsfs4j API and java.nio.file.
import io.github.nsfs4j.*;
import io.github.nsfs4j.kernel.*;
import java.nio.file.*;
