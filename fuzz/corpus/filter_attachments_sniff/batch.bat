@echo off
del x
