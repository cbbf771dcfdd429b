# The leifeng binary on Debian 12, built from this checkout (used by compose.yaml).
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config librdkafka-dev librocksdb-dev libcereal-dev \
      libspdlog-dev libfmt-dev rapidjson-dev libgtest-dev libgmock-dev libcli11-dev \
      libtomlplusplus-dev libcpp-httplib-dev libgoogle-perftools-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEIFENG_BENCHMARKS=OFF \
    && cmake --build /build --target leifeng

FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends \
      librdkafka++1 librocksdb7.8 libspdlog1.10 libfmt9 libtomlplusplus3 libcpp-httplib0.11 \
      libtcmalloc-minimal4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/app/leifeng /usr/local/bin/leifeng
COPY config /etc/leifeng
WORKDIR /var/lib/leifeng
ENTRYPOINT ["leifeng"]
