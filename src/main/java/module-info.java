/** nsfs4j: Linux namespace files for the JVM. */
module io.github.nsfs4j {
    requires org.jnrproject.constants;
    exports io.github.nsfs4j;
}
