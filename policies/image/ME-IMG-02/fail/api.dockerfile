# syntax=docker/dockerfile:1
FROM ubuntu:jammy
RUN apt-get update && apt-get install -y tini
