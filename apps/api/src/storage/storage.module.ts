import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ObjectStore } from '@velociraptor/storage';
import { AppConfig } from '../config';

/** Makes sure the bucket exists once the API is up; failing that is not fatal (health shows it). */
@Injectable()
class BucketBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Storage');

  constructor(@Inject(ObjectStore) private readonly store: ObjectStore) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.store.ensureBucket();
    } catch (error) {
      this.logger.warn(`object store not ready: ${(error as Error).message}`);
    }
  }
}

@Global()
@Module({
  providers: [
    {
      provide: ObjectStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new ObjectStore(config.s3),
    },
    BucketBootstrap,
  ],
  exports: [ObjectStore],
})
export class StorageModule {}
